import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ]+$")


def validate_kana(value: str) -> None:
    if value and not _KANA.match(value):
        raise ValidationError(
            _("Use katakana or hiragana only, e.g. ヤマダ タロウ."), code="not_kana"
        )
