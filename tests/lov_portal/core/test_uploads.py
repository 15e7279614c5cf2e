"""Uploads: content sniffing, size limit, safe names, the form field, private storage and the
download response. Every file is real bytes built here."""

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from PIL import Image

from lov_portal.core.uploads import (
    AllowedKind,
    DocumentField,
    PrivateStorage,
    ValidatedUpload,
    file_response,
    private_storage,
    safe_filename,
    upload_to_path,
    validate_upload,
)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIB = 1024 * 1024
WRONG_TYPE_SV = (
    "Filen är inte av typen PDF, JPEG, PNG eller Word-dokument (DOCX). "
    "Vi kontrollerar filens innehåll, inte filnamnet."
)


# --- Real files ---------------------------------------------------------------------------------


def make_pdf() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        b"trailer << /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def make_image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 102, 153)).save(buffer, format=fmt)
    return buffer.getvalue()


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCUMENT_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Ans\xc3\xb6kan</w:t></w:r></w:p></w:body></w:document>"
)


def make_docx(extra: dict[str, bytes] | None = None) -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "word/document.xml": DOCUMENT_XML,
            **(extra or {}),
        }
    )


def make_docx_word_part_late() -> bytes:
    """A DOCX whose word/ part comes after several others: filetype only sees a ZIP."""
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "docProps/app.xml": b"<Properties/>",
            "docProps/core.xml": b"<coreProperties/>",
            "customXml/item1.xml": b"<item/>",
            "word/document.xml": DOCUMENT_XML,
        }
    )


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    # The browser's MIME type is whatever the client claims; it is never trusted.
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def swedish():
    with translation.override("sv"):
        yield


# --- validate_upload: accepted files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type", "safe_name"),
    [
        ("Ansökan.pdf", make_pdf(), AllowedKind.PDF, "application/pdf", "Ansökan.pdf"),
        ("foto.jpeg", make_image("JPEG"), AllowedKind.JPEG, "image/jpeg", "foto.jpg"),
        ("karta.png", make_image("PNG"), AllowedKind.PNG, "image/png", "karta.png"),
        ("avtal.docx", make_docx(), AllowedKind.DOCX, DOCX_MIME, "avtal.docx"),
        ("sent.docx", make_docx_word_part_late(), AllowedKind.DOCX, DOCX_MIME, "sent.docx"),
        # The name lies; the content decides, and the name gets the right extension.
        ("report.exe", make_pdf(), AllowedKind.PDF, "application/pdf", "report.pdf"),
        ("bild.pdf", make_image("PNG"), AllowedKind.PNG, "image/png", "bild.png"),
    ],
)
def test_allowed_kinds_are_accepted(name, content, kind, content_type, safe_name):
    uploaded = upload(name, content, content_type="application/octet-stream")

    result = validate_upload(uploaded)

    assert result == ValidatedUpload(
        kind=kind,
        content_type=content_type,
        safe_name=safe_name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    assert result.kind.content_type == content_type
    # The file is left at its start, ready to be saved.
    assert uploaded.tell() == 0
    assert uploaded.read() == content


def test_a_large_upload_kept_on_disk_is_checked_too():
    content = make_docx_word_part_late()
    uploaded = TemporaryUploadedFile("avtal.docx", "application/octet-stream", len(content), None)
    try:
        uploaded.write(content)
        uploaded.seek(0)
        result = validate_upload(uploaded)
        assert result.kind == AllowedKind.DOCX
        assert result.sha256 == hashlib.sha256(content).hexdigest()
        assert uploaded.tell() == 0
    finally:
        uploaded.close()


def test_allowed_accepts_values_and_must_not_be_empty():
    result = validate_upload(upload("a.pdf", make_pdf()), allowed=["pdf"])
    assert result.kind == AllowedKind.PDF
    with pytest.raises(ValueError):
        validate_upload(upload("a.pdf", make_pdf()), allowed=[])


def test_validated_upload_is_frozen():
    result = validate_upload(upload("a.pdf", make_pdf()))
    with pytest.raises(AttributeError):
        result.size = 1


def test_file_position_is_reset_after_reading_from_the_middle():
    uploaded = upload("a.pdf", make_pdf())
    uploaded.read(5)
    assert validate_upload(uploaded).size == len(make_pdf())
    assert uploaded.tell() == 0


def test_allowed_kind_extensions_and_mime_types():
    assert [(k.value, k.content_type, k.extension) for k in AllowedKind] == [
        ("pdf", "application/pdf", "pdf"),
        ("jpeg", "image/jpeg", "jpg"),
        ("png", "image/png", "png"),
        ("docx", DOCX_MIME, "docx"),
    ]


# --- validate_upload: refused files -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("intyg.pdf", ELF),
        ("x.pdf", PE),
        ("a.docx", make_zip({"readme.txt": b"not a Word document"})),
        ("a.pdf", HTML),
        # A ZIP with Word's parts in name only is not enough: both are required.
        ("b.docx", make_zip({"word/document.xml": DOCUMENT_XML})),
        ("c.docx", make_zip({"[Content_Types].xml": CONTENT_TYPES_XML})),
        # A Word document with macros (DOCM) renamed to .docx.
        ("makro.docx", make_docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})),
        # Starts like a ZIP but is not one.
        ("trasig.docx", b"PK\x03\x04" + b"\x00" * 200),
        ("text.pdf", b"Just some text, no file type at all."),
        ("bild.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ],
)
def test_other_content_is_refused_with_a_swedish_message(swedish, name, content):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload(name, content))

    assert excinfo.value.code == "invalid_type"
    assert excinfo.value.messages == [WRONG_TYPE_SV]


def test_wrong_type_message_in_english():
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("intyg.pdf", ELF))
    # The message and its parameters are rendered in the language active when it is shown.
    with translation.override("en"):
        assert excinfo.value.messages == [
            "The file is not a PDF, JPEG, PNG or Word document (DOCX). "
            "We check the file's content, not its name."
        ]
    with translation.override("sv"):
        assert excinfo.value.messages == [WRONG_TYPE_SV]


def test_a_kind_not_in_allowed_is_refused_naming_only_the_allowed_kinds(swedish):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("foto.pdf", make_image("PNG")), allowed=[AllowedKind.PDF])
    assert excinfo.value.messages == [
        "Filen är inte av typen PDF. Vi kontrollerar filens innehåll, inte filnamnet."
    ]

    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("a.docx", make_docx()), allowed=[AllowedKind.PDF, AllowedKind.JPEG])
    assert excinfo.value.messages == [
        "Filen är inte av typen PDF eller JPEG. Vi kontrollerar filens innehåll, inte filnamnet."
    ]


def test_empty_file_is_refused(swedish):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("tom.pdf", b""))
    assert excinfo.value.code == "empty"
    assert excinfo.value.messages == ["Filen är tom."]


def test_file_over_the_setting_is_refused_stating_the_limit(swedish, settings):
    settings.UPLOAD_MAX_BYTES = MIB
    at_limit = make_pdf() + b"\n" * (MIB - len(make_pdf()))
    assert validate_upload(upload("ok.pdf", at_limit)).size == MIB

    too_big = at_limit + b"\n"
    uploaded = upload("stor.pdf", too_big)
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(uploaded)
    assert excinfo.value.code == "too_large"
    assert excinfo.value.messages == ["Filen är för stor. Den största tillåtna storleken är 1 MB."]
    assert uploaded.tell() == 0


def test_max_bytes_argument_overrides_the_setting(swedish, settings):
    settings.UPLOAD_MAX_BYTES = 100 * MIB
    content = make_pdf() + b"\n" * (3 * MIB)
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("stor.pdf", content), max_bytes=int(2.5 * MIB))
    assert excinfo.value.messages == [
        "Filen är för stor. Den största tillåtna storleken är 2,5 MB."
    ]


def test_default_limit_is_ten_megabytes_in_english(settings):
    settings.UPLOAD_MAX_BYTES = 10 * MIB
    content = make_pdf() + b"\n" * (10 * MIB)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("stor.pdf", content))
    with translation.override("en"):
        assert excinfo.value.messages == [
            "The file is too large. The largest allowed size is 10 MB."
        ]


def test_docx_is_checked_without_extracting_anything(monkeypatch):
    """A ZIP bomb costs nothing: only the archive's list of names is read."""
    bomb = make_docx({"word/media/zeros.bin": b"\x00" * (20 * MIB)})
    assert len(bomb) < MIB

    def refuse(*args, **kwargs):
        raise AssertionError("an archive member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extract", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", refuse)

    assert validate_upload(upload("stor.docx", bomb)).kind == AllowedKind.DOCX


# --- safe_filename ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("../../etc/passwd.pdf", AllowedKind.PDF, "passwd.pdf"),
        ("..\\..\\Windows\\system32\\intyg.pdf", AllowedKind.PDF, "intyg.pdf"),
        ("/var/www/../etc/hosts", AllowedKind.PDF, "hosts.pdf"),
        # Fullwidth solidus and reverse solidus become "/" and "\\" under NFKC.
        ("..\uff0f..\uff0fetc\uff0fpasswd.pdf", AllowedKind.PDF, "passwd.pdf"),
        ("..\uff3cwin.ini.pdf", AllowedKind.PDF, "win.ini.pdf"),
        ("Försäkringsbrev 2026.pdf", AllowedKind.PDF, "Försäkringsbrev 2026.pdf"),
        ("ÅÄÖ åäö.PNG", AllowedKind.PNG, "ÅÄÖ åäö.png"),
        # Decomposed å (as macOS sends it) is composed by NFKC and kept.
        ("Va\u030agbrev.pdf", AllowedKind.PDF, "Vågbrev.pdf"),
        ("ﬁl ①.pdf", AllowedKind.PDF, "fil 1.pdf"),
        ("rap\x00port\x1b\x7f.pdf", AllowedKind.PDF, "rapport.pdf"),
        # A right-to-left override would show "intyg\u202efdp.exe" as "intygexe.pdf".
        ("intyg\u202efdp.exe", AllowedKind.PDF, "intygfdp.pdf"),
        ("tab\tand\nnew  line   .pdf", AllowedKind.PDF, "tab and new line.pdf"),
        ('<script>"quote";|pipe*?:.pdf', AllowedKind.PDF, "scriptquotepipe.pdf"),
        ("report.exe", AllowedKind.PDF, "report.pdf"),
        ("foto.jpeg", AllowedKind.JPEG, "foto.jpg"),
        ("avtal", AllowedKind.DOCX, "avtal.docx"),
        ("Avtal 2026.03.01", AllowedKind.PDF, "Avtal 2026.03.01.pdf"),
        ("", AllowedKind.PDF, "dokument.pdf"),
        (".pdf", AllowedKind.PDF, "dokument.pdf"),
        ("../", AllowedKind.PNG, "dokument.png"),
        ("???.pdf", AllowedKind.PDF, "dokument.pdf"),
        ("..hidden.pdf", AllowedKind.PDF, "hidden.pdf"),
        ("-rf.pdf", AllowedKind.PDF, "rf.pdf"),
        ("under_score-dash.pdf", AllowedKind.PDF, "under_score-dash.pdf"),
    ],
)
def test_safe_filename(name, kind, expected):
    assert safe_filename(name, kind) == expected


def test_safe_filename_truncates_long_names_to_100_characters_keeping_the_extension():
    result = safe_filename("å" * 300 + ".pdf", AllowedKind.PDF)
    assert len(result) == 100
    assert result == "å" * 96 + ".pdf"

    result = safe_filename("x" * 95 + "    yyyyyyyy.docx", AllowedKind.DOCX)
    assert len(result) <= 100
    assert result == "x" * 95 + ".docx"  # no trailing space left before the extension


# --- DocumentField ------------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    document = DocumentField(label="Bilaga")
    logo = DocumentField(label="Logotyp", allowed=[AllowedKind.PNG], required=False)


def test_document_field_accepts_a_file_and_attaches_the_result():
    content = make_pdf()
    form = ApplicationForm(data={}, files={"document": upload("../Ansökan.exe", content)})

    assert form.is_valid(), form.errors
    cleaned = form.cleaned_data["document"]
    assert cleaned.read() == content
    assert cleaned.validated.kind == AllowedKind.PDF
    assert cleaned.validated.safe_name == "Ansökan.pdf"
    assert cleaned.validated.sha256 == hashlib.sha256(content).hexdigest()
    assert form.cleaned_data["logo"] is None


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        ({"document": upload("intyg.pdf", ELF)}, "document", WRONG_TYPE_SV),
        ({"document": upload("tom.pdf", b"")}, "document", "Filen är tom."),
        (
            {"document": upload("a.pdf", make_pdf()), "logo": upload("l.png", make_pdf())},
            "logo",
            "Filen är inte av typen PNG. Vi kontrollerar filens innehåll, inte filnamnet.",
        ),
    ],
)
def test_document_field_gives_a_field_error(swedish, files, field, message):
    form = ApplicationForm(data={}, files=files)

    assert not form.is_valid()
    assert form.errors == {field: [message]}


def test_document_field_size_limit(swedish):
    class SmallForm(forms.Form):
        document = DocumentField(max_bytes=MIB)

    form = SmallForm(data={}, files={"document": upload("a.pdf", make_pdf() + b"\0" * MIB)})
    assert not form.is_valid()
    assert form.errors == {
        "document": ["Filen är för stor. Den största tillåtna storleken är 1 MB."]
    }


def test_document_field_is_still_required():
    form = ApplicationForm(data={}, files={})
    assert not form.is_valid()
    assert list(form.errors) == ["document"]


def test_document_field_widget_lists_the_allowed_extensions():
    form = ApplicationForm()
    assert 'accept=".pdf,.jpg,.jpeg,.png,.docx"' in str(form["document"])
    assert 'accept=".png"' in str(form["logo"])


# --- Private storage ----------------------------------------------------------------------------


def validated_pdf() -> ValidatedUpload:
    return validate_upload(upload("Ansökan.pdf", make_pdf()))


def test_upload_to_path_is_random_and_keeps_no_part_of_the_original_name():
    validated = validated_pdf()
    today = timezone.localdate()

    first = upload_to_path("applications", validated)
    second = upload_to_path("applications/", validated)

    pattern = rf"applications/{today:%Y}/{today:%m}/[0-9a-f]{{32}}\.pdf"
    assert re.fullmatch(pattern, first)
    assert re.fullmatch(pattern, second)
    assert first != second
    assert "Ans" not in first


@pytest.mark.parametrize("prefix", ["", "/", "../secret", "a/../../b", "a\\..\\b"])
def test_upload_to_path_refuses_a_bad_prefix(prefix):
    with pytest.raises(ValueError):
        upload_to_path(prefix, validated_pdf())


def test_private_storage_saves_under_media_root_private(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = make_pdf()
    uploaded = upload("Ansökan.pdf", content)
    name = upload_to_path("applications", validate_upload(uploaded))

    stored = private_storage.save(name, uploaded)

    assert stored == name
    path = Path(private_storage.path(stored))
    assert path == tmp_path / "private" / name
    assert path.read_bytes() == content
    # Only the service account may read what providers uploaded.
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700

    # The location follows the setting at use time, not at import time.
    settings.MEDIA_ROOT = tmp_path / "elsewhere"
    assert Path(private_storage.path("x.pdf")) == tmp_path / "elsewhere" / "private" / "x.pdf"


def test_private_storage_has_no_url(settings):
    settings.MEDIA_URL = "/media/"
    with pytest.raises(ValueError):
        private_storage.url("applications/2026/01/abc.pdf")
    assert private_storage.base_url is None


def test_private_storage_cannot_be_given_a_location_or_url():
    with pytest.raises(TypeError):
        PrivateStorage(location="elsewhere")
    with pytest.raises(TypeError):
        PrivateStorage(base_url="/media/")


def test_private_storage_deconstructs_without_a_path():
    assert private_storage.deconstruct() == ("lov_portal.core.uploads.PrivateStorage", (), {})
    assert isinstance(private_storage, PrivateStorage)


# --- Download -----------------------------------------------------------------------------------


def stored_field_file(tmp_path, settings, content: bytes) -> FieldFile:
    settings.MEDIA_ROOT = tmp_path
    uploaded = upload("x.pdf", content)
    name = private_storage.save(upload_to_path("applications", validate_upload(uploaded)), uploaded)
    field = models.FileField(storage=private_storage)
    field.name = "document"
    return FieldFile(instance=None, field=field, name=name)


@pytest.mark.parametrize(
    ("filename", "disposition"),
    [
        ("rapport.pdf", 'attachment; filename="rapport.pdf"'),
        (
            "Försäkringsbrev 2026.pdf",
            "attachment; filename*=utf-8''F%C3%B6rs%C3%A4kringsbrev%202026.pdf",
        ),
    ],
)
@pytest.mark.django_db  # closing a response fires request_finished, which touches connections
def test_file_response_streams_an_attachment(tmp_path, settings, filename, disposition):
    content = make_pdf()
    field_file = stored_field_file(tmp_path, settings, content)

    response = file_response(field_file, filename=filename, content_type="application/pdf")
    try:
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Disposition"] == disposition
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Length"] == str(len(content))
        assert b"".join(response.streaming_content) == content
    finally:
        response.close()
