"""The performed-time API: POST /api/v1/besok/ with a provider's bearer token
(docs/api/performed-time.md). Errors are problem JSON (RFC 9457) in Swedish."""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import imports, services
from ..constants import VisitSource

MAX_BODY_BYTES = 20 * 1024 * 1024  # JSON is wordier than CSV: 200,000 visits fit
PROBLEM = "urn:lov-portalen:problem:"


def _problem(status: int, kind: str, title: str, detail: str, **extra) -> JsonResponse:
    body = {"type": PROBLEM + kind, "title": title, "status": status, "detail": detail, **extra}
    response = JsonResponse(
        body,
        status=status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Language"] = "sv"
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="lov-portalen"'
    return response


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
@login_not_required
@require_POST
def visits_post(request):
    with translation.override("sv"):
        return _visits_post(request)


def _visits_post(request):
    token = services.api_token_authenticate(_bearer(request))
    if token is None:
        return _problem(
            401,
            "unauthorised",
            _("Not authorised"),
            _("Send a valid API token: Authorization: Bearer <token>."),
        )
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _too_large()
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _problem(
            400, "invalid-json", _("Invalid request"), _("The body is not valid JSON in UTF-8.")
        )
    visits = payload.get("visits") if isinstance(payload, dict) else None
    if not isinstance(visits, list) or not visits:
        return _problem(
            400,
            "invalid-request",
            _("Invalid request"),
            _('The body must be an object with a non-empty list "visits".'),
        )
    if len(visits) > imports.MAX_ROWS:
        return _too_large()
    rows = [
        {**visit, "line": index + 1} if isinstance(visit, dict) else visit
        for index, visit in enumerate(visits)
    ]
    batch = services.visit_import_rows(
        provider=token.provider, rows=rows, source=VisitSource.API, actor=None
    )
    if not batch.accepted:
        errors = [
            {"index": error["line"] - 1, "line": error["line"], "message": error["message"]}
            for error in batch.errors
        ]
        return _problem(
            400,
            "invalid-visits",
            _("Invalid visits"),
            _(
                "Nothing was imported: %(count)s visits have errors. Correct them and send all again."  # noqa: E501
            )
            % {"count": len({error["line"] for error in errors})},
            import_id=batch.pk,
            errors=errors,
        )
    return JsonResponse(
        {
            "import_id": batch.pk,
            "created": batch.created,
            "unchanged": batch.unchanged,
            "flagged": batch.flagged,
        },
        status=201,
    )


def _too_large():
    return _problem(
        413,
        "too-large",
        _("Too large"),
        _("At most 200,000 visits and 20 MB per request. Split the delivery."),
    )
