"""Validation of uploaded documents: the type is read from the file's first bytes, never
trusted from its name or the browser's Content-Type."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"  # .docx, .xlsx and .pptx are zip containers

# extension -> the magic bytes its content must start with
DOCUMENT_TYPES = {
    ".pdf": PDF_MAGIC,
    ".docx": ZIP_MAGIC,
    ".xlsx": ZIP_MAGIC,
    ".pptx": ZIP_MAGIC,
}


def _head(upload, size=1024) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(size)
    upload.seek(position)
    return head


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
        if PDF_MAGIC not in _head(upload):  # PDF readers accept a header within 1 KB
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
        extension = next((ext for ext in DOCUMENT_TYPES if name.endswith(ext)), None)
        if extension is None:
            raise ValidationError(
                _("Upload a PDF, Word (.docx), Excel (.xlsx) or PowerPoint (.pptx) file."),
                code="extension",
            )
        if not _head(upload).startswith(DOCUMENT_TYPES[extension]):
            raise ValidationError(
                _(
                    "The file's content does not match its name (%(name)s). "
                    "Upload the real document."
                ),
                code="mismatch",
                params={"name": upload.name},
            )

    def __eq__(self, other):
        return isinstance(other, DocumentFileValidator) and other.max_bytes == self.max_bytes
