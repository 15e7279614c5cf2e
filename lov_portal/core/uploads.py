"""Uploaded files: the one place every upload in the portal goes through.

The flow for a view or service that accepts a document:

1. A form uses ``DocumentField`` (or the service calls ``validate_upload``): the type is sniffed
   from the file's content (never from its name or the browser's MIME type), the size is checked
   and the SHA-256 computed. The result is a ``ValidatedUpload``.
2. The caller stores the file in ``private_storage`` under ``upload_to_path(prefix, validated)``
   (a random name: the original name never becomes part of a path) and keeps
   ``validated.safe_name``, ``content_type``, ``size`` and ``sha256`` in the database::

       upload = form.cleaned_data["document"]
       stored_name = private_storage.save(
           upload_to_path("applications", upload.validated), upload
       )

   A model field should be ``models.FileField(storage=private_storage, max_length=255)``; its
   migration then records ``lov_portal.core.uploads.PrivateStorage()``, never a path.
3. A view that has checked the user's permission streams the file back with ``file_response``.
   Files in ``private_storage`` have no URL.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import formats, timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

# --- Allowed kinds ------------------------------------------------------------------------------


class AllowedKind(models.TextChoices):
    """The file types the portal accepts. The value is stored in the database; the MIME type
    and the extension follow from it."""

    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    DOCX = "docx", _("Word document (DOCX)")

    @property
    def content_type(self) -> str:
        return _KIND_INFO[self.value][0]

    @property
    def extension(self) -> str:
        """The canonical extension, without the dot: the one stored and downloaded files get."""
        return _KIND_INFO[self.value][1]

    @property
    def accept_extensions(self) -> tuple[str, ...]:
        """Extensions a file chooser should offer for this kind (with the dot)."""
        return _KIND_INFO[self.value][2]


_DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# value: (MIME type, canonical extension, extensions for the file chooser's accept attribute)
_KIND_INFO: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", "pdf", (".pdf",)),
    "jpeg": ("image/jpeg", "jpg", (".jpg", ".jpeg")),
    "png": ("image/png", "png", (".png",)),
    "docx": (_DOCX_MIME, "docx", (".docx",)),
}

ALL_KINDS: tuple[AllowedKind, ...] = tuple(AllowedKind)

# MIME types as filetype reports them, for the kinds recognised by their header alone.
_KIND_BY_SNIFFED_MIME = {
    "application/pdf": AllowedKind.PDF,
    "image/jpeg": AllowedKind.JPEG,
    "image/png": AllowedKind.PNG,
}
# filetype calls a DOCX "zip" when the word/ entry is not among the first entries; both are
# then checked as a ZIP archive.
_ZIP_MIMES = {"application/zip", _DOCX_MIME}
# filetype looks at no more than this many leading bytes.
_HEADER_BYTES = 8192
_MEGABYTE = 1024 * 1024


# --- Validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidatedUpload:
    """What ``validate_upload`` found out about an uploaded file."""

    kind: AllowedKind
    content_type: str
    safe_name: str
    size: int
    sha256: str


def validate_upload(
    uploaded_file: UploadedFile,
    *,
    allowed: Iterable[AllowedKind] = ALL_KINDS,
    max_bytes: int | None = None,
) -> ValidatedUpload:
    """Check an uploaded file and describe it, or raise ``ValidationError``.

    Refuses an empty file, a file larger than ``max_bytes`` (default ``settings.UPLOAD_MAX_BYTES``)
    and a file whose content is not one of the ``allowed`` kinds. The file is read in chunks and
    left positioned at its start.
    """
    allowed = _allowed_kinds(allowed)
    if max_bytes is None:
        max_bytes = settings.UPLOAD_MAX_BYTES
    try:
        size, sha256 = _measure(uploaded_file, max_bytes)
        if size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        if size > max_bytes:
            raise ValidationError(
                _("The file is too large. The largest allowed size is %(limit)s MB."),
                code="too_large",
                params={"limit": _lazy_megabytes(max_bytes)},
            )
        kind = _sniff_kind(uploaded_file)
        if kind is None or kind not in allowed:
            raise ValidationError(
                _("The file is not a %(kinds)s. We check the file's content, not its name."),
                code="invalid_type",
                params={"kinds": _lazy_kind_list(allowed)},
            )
    finally:
        uploaded_file.seek(0)
    return ValidatedUpload(
        kind=kind,
        content_type=kind.content_type,
        safe_name=safe_filename(uploaded_file.name or "", kind),
        size=size,
        sha256=sha256,
    )


def _allowed_kinds(allowed: Iterable[AllowedKind | str]) -> tuple[AllowedKind, ...]:
    kinds = tuple(AllowedKind(kind) for kind in allowed)
    if not kinds:
        raise ValueError("allowed must name at least one AllowedKind")
    return kinds


def _measure(uploaded_file: UploadedFile, max_bytes: int) -> tuple[int, str]:
    """Size and SHA-256 of the file, read in chunks; stops reading once it is too large."""
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded_file.chunks():  # starts from the beginning of the file
        size += len(chunk)
        if size > max_bytes:
            break
        digest.update(chunk)
    return size, digest.hexdigest()


def _sniff_kind(uploaded_file: UploadedFile) -> AllowedKind | None:
    uploaded_file.seek(0)
    header = uploaded_file.read(_HEADER_BYTES)
    guess = filetype.guess(header)
    if guess is None:
        return None
    if guess.mime in _ZIP_MIMES:
        return AllowedKind.DOCX if _is_docx(uploaded_file) else None
    return _KIND_BY_SNIFFED_MIME.get(guess.mime)


def _is_docx(uploaded_file: UploadedFile) -> bool:
    """A Word document is a ZIP archive with [Content_Types].xml and a word/ part. Only the
    archive's directory is read, nothing is extracted, so a ZIP bomb costs nothing. A document
    with macros (a DOCM renamed to .docx) is refused."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return False
    lowered = {name.lower() for name in names}
    return (
        "[Content_Types].xml" in names
        and any(name.startswith("word/") for name in names)
        and "word/vbaproject.bin" not in lowered
    )


# The parameters of a message are rendered in the language active when the message is shown,
# like the message itself.


def _format_megabytes(num_bytes: int) -> str:
    megabytes = num_bytes / _MEGABYTE
    if megabytes == int(megabytes):
        return str(int(megabytes))
    return formats.number_format(megabytes, decimal_pos=2 if megabytes < 0.1 else 1)


def _kind_list(kinds: tuple[AllowedKind, ...]) -> str:
    return get_text_list([str(kind.label) for kind in kinds])


_lazy_megabytes = lazy(_format_megabytes, str)
_lazy_kind_list = lazy(_kind_list, str)


# --- File names ---------------------------------------------------------------------------------

_NAME_MAX_CHARS = 100
_DEFAULT_STEM = "dokument"
_DISALLOWED_CHARS = re.compile(r"[^\w .\-]")
_WHITESPACE = re.compile(r"\s+")
# A trailing ".pdf", ".exe", ".jpeg": one to five letters and digits with at least one letter
# (so "Avtal 2026.03.01" keeps its date).
_EXTENSION = re.compile(r"\.(?=\d*[^\W\d_])[^\W_]{1,5}$")


def safe_filename(name: str, kind: AllowedKind) -> str:
    """A file name fit to show and to offer as a download name, never to use as a path.

    Drops any directories, normalises Unicode (NFKC), removes control and formatting
    characters (such as a right-to-left override) and everything but letters (å, ä and ö
    included), digits, space, dot, dash and underscore, collapses whitespace, limits the name to
    100 characters and replaces the extension with the canonical one of the sniffed ``kind``
    ("report.exe" that is a PDF becomes "report.pdf"). An empty name becomes "dokument.<ext>".
    """
    # Normalise first: NFKC turns a fullwidth solidus into "/".
    name = unicodedata.normalize("NFKC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _WHITESPACE.sub(" ", name)
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _DISALLOWED_CHARS.sub("", name)
    name = _WHITESPACE.sub(" ", name)
    stem = _EXTENSION.sub("", name.strip())
    suffix = f".{kind.extension}"
    stem = _clean_stem(stem[: _NAME_MAX_CHARS - len(suffix)])
    return f"{stem or _DEFAULT_STEM}{suffix}"


def _clean_stem(stem: str) -> str:
    # No leading dot (hidden file, "..") or dash (option-like), no trailing dot or space.
    return stem.strip().lstrip(".-").strip().rstrip(". ")


# --- Form field ---------------------------------------------------------------------------------


class DocumentField(forms.FileField):
    """A file field that runs ``validate_upload``.

    ``cleaned_data[name]`` is the uploaded file with the result as its ``validated``
    attribute (a ``ValidatedUpload``). The widget's ``accept`` attribute lists the allowed
    extensions (a hint for the file chooser; the content is what is checked).
    """

    def __init__(
        self,
        *,
        allowed: Iterable[AllowedKind] = ALL_KINDS,
        max_bytes: int | None = None,
        **kwargs,
    ):
        self.allowed = _allowed_kinds(allowed)
        self.max_bytes = max_bytes
        # validate_upload refuses an empty file, with the same wording as for the other checks.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = ",".join(ext for kind in self.allowed for ext in kind.accept_extensions)
        return attrs

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if isinstance(data, UploadedFile):
            data.validated = validate_upload(data, allowed=self.allowed, max_bytes=self.max_bytes)
        return data


# --- Storage ------------------------------------------------------------------------------------


@deconstructible(path="lov_portal.core.uploads.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """Files under ``MEDIA_ROOT/private``, read from the settings each time (so a changed
    ``MEDIA_ROOT`` is followed), and without any URL: only a view that checks permissions
    may hand a file out, through ``file_response``."""

    def __init__(self, **kwargs):
        if "location" in kwargs or "base_url" in kwargs:
            raise TypeError("PrivateStorage takes its location from MEDIA_ROOT and has no URL.")
        super().__init__(**kwargs)

    @property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, "private")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        # FileSystemStorage would fall back to MEDIA_URL for base_url=None.
        return None

    # Readable only by the service account, whatever FILE_UPLOAD_PERMISSIONS says.
    @property
    def file_permissions_mode(self):
        return 0o600

    @property
    def directory_permissions_mode(self):
        return 0o700

    def url(self, name):
        raise ValueError("Files in private storage have no URL; stream them with file_response.")


private_storage = PrivateStorage()


def upload_to_path(prefix: str, validated: ValidatedUpload) -> str:
    """A new storage path ``<prefix>/<yyyy>/<mm>/<uuid4 hex>.<ext>``; the original file name is
    never part of it (keep ``validated.safe_name`` in the database instead)."""
    parts = [part for part in prefix.split("/") if part]
    if not parts or any(part in {".", ".."} or "\\" in part for part in parts):
        raise ValueError(f"Invalid upload prefix: {prefix!r}")
    today = timezone.localdate()
    return f"{'/'.join(parts)}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{validated.kind.extension}"


# --- Download -----------------------------------------------------------------------------------


def file_response(file_field_file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """Stream a stored file as a download (``Content-Disposition: attachment``).

    ``filename`` is the name the browser saves it as: pass the stored ``safe_name``. Non-ASCII
    names are sent RFC 5987 encoded. The response is never sniffed (``nosniff``) or cached
    (``private, no-store``).

    This function checks no permissions: the calling view must have checked that the user may
    read this file (and audited the read where required) before calling it.
    """
    response = FileResponse(
        file_field_file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
