"""Uploaded documents: their type is read from the file's content, never trusted from its
name or the browser's Content-Type; they are stored under names the server generates and
served only as attachments, through permission-checked views."""

import re
import uuid
import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# A PDF starts with its header; a byte-order mark or blank line before it is tolerated.
PDF_HEADER = re.compile(rb"\A(?:\xef\xbb\xbf)?[\s]*%PDF-\d\.\d")
ZIP_MAGIC = b"PK\x03\x04"  # .docx, .xlsx and .pptx are zip containers

# Office Open XML: the main part's content type declared in [Content_Types].xml. The
# macro-enabled variants (.docm, .xlsm, .pptm) declare other types, so a macro file
# renamed to .docx is refused too.
OOXML_MAIN_CONTENT_TYPES = {
    ".docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ".xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ".pptx": b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
OOXML_CONTENT_TYPES_MAX_BYTES = 1024 * 1024

DOCUMENT_EXTENSIONS = (".pdf", *OOXML_MAIN_CONTENT_TYPES)


def _head(upload, size=1024) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(size)
    upload.seek(position)
    return head


def is_pdf(upload) -> bool:
    return bool(PDF_HEADER.match(_head(upload)))


def is_ooxml(upload, extension: str) -> bool:
    """True when the upload is an Office Open XML package of the kind its extension names,
    with no macros. Reads only the zip directory and [Content_Types].xml (bounded), so a
    zip bomb is never inflated."""
    if not _head(upload, len(ZIP_MAGIC)).startswith(ZIP_MAGIC):
        return False
    position = upload.tell()
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names:
                return False
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return False
            with package.open("[Content_Types].xml") as declared:
                content_types = declared.read(OOXML_CONTENT_TYPES_MAX_BYTES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, KeyError):
        return False
    finally:
        upload.seek(position)
    return OOXML_MAIN_CONTENT_TYPES[extension] in content_types


def _check_size(upload, max_bytes):
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
        )


@deconstructible
class PdfFileValidator:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    def __call__(self, upload):
        _check_size(upload, self.max_bytes)
        if not upload.name.lower().endswith(".pdf"):
            raise ValidationError(_("Upload a PDF file (.pdf)."), code="extension")
        if not is_pdf(upload):
            raise ValidationError(
                _("This file is not a PDF, whatever its name says. Upload a real PDF."),
                code="not_pdf",
            )

    def __eq__(self, other):
        return isinstance(other, PdfFileValidator) and other.max_bytes == self.max_bytes


@deconstructible
class DocumentFileValidator:
    """PDF or Office Open XML documents whose content matches their extension."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    def __call__(self, upload):
        _check_size(upload, self.max_bytes)
        name = upload.name.lower()
        extension = next((ext for ext in DOCUMENT_EXTENSIONS if name.endswith(ext)), None)
        if extension is None:
            raise ValidationError(
                _("Upload a PDF, Word (.docx), Excel (.xlsx) or PowerPoint (.pptx) file."),
                code="extension",
            )
        matches = is_pdf(upload) if extension == ".pdf" else is_ooxml(upload, extension)
        if not matches:
            raise ValidationError(
                _(
                    "The file's content does not match its name (%(name)s). "
                    "Upload the real document."
                ),
                code="mismatch",
                params={"name": PurePath(upload.name).name},
            )

    def __eq__(self, other):
        return isinstance(other, DocumentFileValidator) and other.max_bytes == self.max_bytes


def generated_name(folder: str, filename: str) -> str:
    """A storage name chosen by the server: a random name under `folder`, keeping only a
    known document extension. What the uploader called the file never reaches the file
    system or a path (no traversal, no overwriting, no personal data in names)."""
    extension = PurePath(filename).suffix.lower()
    if extension not in DOCUMENT_EXTENSIONS:
        extension = ""
    return f"{folder}/{uuid.uuid4().hex}{extension}"


def download_name(title: str, extension: str, *, fallback: str) -> str:
    """A safe file name for the Content-Disposition of a download, made from a title the
    portal shows (Japanese kept), never from a stored path."""
    stem = slugify(title, allow_unicode=True)[:80].strip("-_") or fallback
    return f"{stem}{extension}"
