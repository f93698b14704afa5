"""Forms of responses and questions. They validate what was typed; the services decide
(deadlines, one response per firm, who may do what)."""

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from apps.core.text import NormalizingFormMixin
from apps.opportunities.models import Question, Response, ResponseEvent
from apps.organizations.models import Organization

EXPORT_CONTROL_WARNING = _(
    "Do not upload export-controlled technical data. Sharing listed (controlled) "
    "technology with a foreign party requires an export authorization under Japan's "
    "Foreign Exchange and Foreign Trade Act before it is sent. Describe your capability "
    "without controlled technical details; the agency will say whether and how controlled "
    "data can be exchanged later."
)
PROPRIETARY_NOTICE = _("Proprietary / confidential")


def in_both_languages(message) -> list[tuple[str, str]]:
    """The message in the viewer's language first, then in the portal's other languages
    (a firm may forward the page to a colleague who reads the other one). A language whose
    translation is still missing is left out rather than mislabel the source text."""
    source = settings.LANGUAGE_CODE
    current = (translation.get_language() or source).split("-")[0]
    codes = [current] + [code for code, _name in settings.LANGUAGES if code != current]
    texts = {}
    for code in {*codes, source}:
        with translation.override(code):
            texts[code] = str(message)
    return [(code, texts[code]) for code in codes if code == source or texts[code] != texts[source]]


class FirmChoiceField(forms.ModelChoiceField):
    """Which of the user's firms acts; present only when the user belongs to several."""

    def __init__(self, firms, **kwargs):
        super().__init__(
            queryset=Organization.objects.filter(pk__in=[firm.pk for firm in firms]).order_by(
                "name_en", "pk"
            ),
            empty_label=None if len(firms) == 1 else "—",
            **kwargs,
        )

    def label_from_instance(self, obj):
        return obj.name


def _add_firm_field(form, firms, label) -> None:
    if len(firms) > 1:
        form.fields["firm"] = FirmChoiceField(
            firms,
            label=label,
            error_messages={"required": _("Choose the firm you act for.")},
        )


class ResponseForm(NormalizingFormMixin, forms.ModelForm):
    """An expression of interest or a solution brief. The attachment is checked by the
    model's PDF validator (type read from the content, at most 15 MB)."""

    attachment = forms.FileField(
        label=capfirst(Response._meta.get_field("attachment").verbose_name),
        help_text=Response._meta.get_field("attachment").help_text,
        required=False,
        validators=Response._meta.get_field("attachment").validators,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    class Meta:
        model = Response
        fields = ["kind", "body", "is_proprietary", "attachment_is_controlled"]
        widgets = {
            "kind": forms.RadioSelect,
            "body": forms.Textarea(attrs={"rows": 14}),
        }
        error_messages = {
            "body": {"required": _("Write your response: this field cannot be empty.")},
        }

    def __init__(self, *args, firms=(), **kwargs):
        super().__init__(*args, **kwargs)
        _add_firm_field(self, list(firms), _("Respond for"))
        self.order_fields(
            ["firm", "kind", "body", "attachment", "attachment_is_controlled", "is_proprietary"]
        )

    def export_warning(self) -> list[tuple[str, str]]:
        return in_both_languages(EXPORT_CONTROL_WARNING)


class ResponseTransitionForm(forms.Form):
    """Validates against every status so that the workflow, not the form, refuses a move
    it does not allow (with its own message); shows only the allowed next ones."""

    to = forms.ChoiceField(
        label=_("New status"), choices=Response.Status.choices, widget=forms.RadioSelect
    )
    message = forms.CharField(
        label=capfirst(ResponseEvent._meta.get_field("message").verbose_name),
        help_text=_("Optional. The firm reads it on its response page."),
        required=False,
        max_length=ResponseEvent._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, allowed=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["to"].widget.choices = [
                (value, label) for value, label in Response.Status.choices if value in allowed
            ]


class QuestionForm(NormalizingFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        help_text=_(
            "In English or Japanese. The agency may answer publicly, without your firm's name, "
            "or privately to your firm."
        ),
        max_length=Question._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your question.")},
    )

    def __init__(self, *args, firms=(), **kwargs):
        super().__init__(*args, **kwargs)
        _add_firm_field(self, list(firms), _("Ask for"))
        self.order_fields(["firm", "text"])


class AnswerForm(NormalizingFormMixin, forms.Form):
    answer = forms.CharField(
        label=capfirst(Question._meta.get_field("answer").verbose_name),
        max_length=Question._meta.get_field("answer").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the answer.")},
    )
    is_public = forms.BooleanField(
        label=capfirst(Question._meta.get_field("is_public").verbose_name),
        help_text=Question._meta.get_field("is_public").help_text,
        required=False,
        initial=True,
    )
