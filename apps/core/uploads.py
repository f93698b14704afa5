"""Validation of uploaded documents: the type is read from the file's first bytes, never
trusted from its name or the browser's Content-Type."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PDF_MAGIC = b"%PDF-"


@deconstructible
class PdfFileValidator:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    def __call__(self, upload):
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(self.max_bytes),
                },
            )
        if not upload.name.lower().endswith(".pdf"):
            raise ValidationError(_("Upload a PDF file (.pdf)."), code="extension")
        position = upload.tell() if hasattr(upload, "tell") else 0
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(position)
        if PDF_MAGIC not in head[:1024]:
            raise ValidationError(
                _("This file is not a PDF, whatever its name says. Upload a real PDF."),
                code="not_pdf",
            )

    def __eq__(self, other):
        return isinstance(other, PdfFileValidator) and other.max_bytes == self.max_bytes
