# LOV-portalen: one image for web (gunicorn), Celery worker, Celery beat and manage.py commands.
# See docs/operations.md. Build: docker build -t lov-portalen .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=lov_portal.settings.production \
    MEDIA_ROOT=/data/uploads

# Shared libraries WeasyPrint (PDFs) loads at run time, and fonts with å, ä, ö.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu \
    && rm -rf /var/lib/apt/lists/*

# A non-root user; its home holds only gunicorn's control socket.
RUN groupadd --system lov \
    && useradd --system --gid lov --create-home --home-dir /home/lov --shell /usr/sbin/nologin lov

WORKDIR /app

# The pinned dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Editable install: the settings find templates/, static/ and locale/ next to the code in /app.
# collectstatic needs a SECRET_KEY under production settings: a dummy for this step only (the
# image has none; the real key comes from the environment at run time).
RUN pip install --no-deps -e . \
    && python scripts/compile_translations.py \
    && SECRET_KEY=build-time-dummy-used-only-by-collectstatic \
        python manage.py collectstatic --noinput \
    && mkdir -p /data/uploads \
    && chown lov:lov /data/uploads

# The code stays owned by root; the application can write only to the uploads directory.
USER lov
EXPOSE 8000

CMD ["gunicorn", "lov_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
