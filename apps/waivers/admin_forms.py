"""The reviewers' forms in the admin: one per workflow action, and the declaration of no
conflict of interest. They check what was typed; the rules of the workflow (who, when,
which dates) are the services' and come back as the form's errors."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apps.core.text import NormalizingFormMixin
from apps.waivers import selectors, workflow
from apps.waivers.models import WaiverRequest, tokyo_today

# The actions a reviewer fires (the others are the firm's or the daily task's).
REVIEWER_ACTIONS = frozenset(
    name
    for name, transition in workflow.TRANSITIONS.items()
    if transition.role == workflow.REVIEWER
)
COMMENT_LABELS = {
    "request_information": _("Information needed"),
    "return": _("Why it is returned"),
    "deny": _("Reasons for denial"),
    "revoke": _("Reasons for revocation"),
    "send_back": _("Why it goes back to review"),
}
COMMENT_HELP = _("It goes into the request's permanent audit trail.")
DATE_INPUT = {"type": "date"}


class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.display_name:
            return f"{obj.display_name} <{obj.email}>"
        return obj.email


class TransitionForm(NormalizingFormMixin, forms.Form):
    """An action with its comment, and the version of the request the reviewer saw: a
    change made meanwhile by someone else makes the service refuse."""

    required_css_class = "required"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        max_length=8000,
        required=False,
        help_text=COMMENT_HELP,
        error_messages={"required": _("Write a comment: it goes into the record.")},
    )

    def __init__(self, *args, action: str, waiver: WaiverRequest, user=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", waiver.version)
        super().__init__(*args, **kwargs)
        self.action = action
        self.waiver = waiver
        self.fields["comment"].required = workflow.TRANSITIONS[action].needs_comment
        self.fields["comment"].label = COMMENT_LABELS.get(action, _("Comment"))

    def details(self) -> dict:
        """The keyword arguments of the action besides the comment and the version."""
        return {}


class AssignForm(TransitionForm):
    reviewer = ReviewerChoiceField(
        label=_("Reviewer"),
        queryset=get_user_model().objects.none(),
        empty_label=None,
        help_text=_("The reviewer who will work on this request."),
    )
    field_order = ["reviewer", "comment"]

    def __init__(self, *args, user=None, **kwargs):
        if user is not None:
            kwargs.setdefault("initial", {}).setdefault("reviewer", user.pk)
        super().__init__(*args, user=user, **kwargs)
        # A member of the firm could not declare no conflict of interest with it.
        self.fields["reviewer"].queryset = selectors.reviewers().exclude(
            memberships__organization=self.waiver.firm_id
        )

    def details(self) -> dict:
        return {"reviewer": self.cleaned_data["reviewer"]}


class ApproveForm(TransitionForm):
    permit_number = forms.CharField(
        label=_("Permit number"),
        max_length=60,
        help_text=_("The number of the authority's permit."),
        error_messages={"required": _("Record the authority's permit number and date.")},
    )
    permit_date = forms.DateField(
        label=_("Permit date"),
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        error_messages={"required": _("Record the authority's permit number and date.")},
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
        help_text=_("The authorization ends at the end of this day, Japan time."),
        error_messages={"required": _("Give the date the authorization expires.")},
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=8000,
        required=False,
        help_text=_(
            "Leave empty for none. The authorization takes effect once the firm's "
            "export-control officer accepts them."
        ),
    )
    field_order = ["permit_number", "permit_date", "expires_on", "conditions", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tomorrow = tokyo_today() + timedelta(days=1)
        self.fields["expires_on"].widget.attrs["min"] = tomorrow.isoformat()

    def details(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("permit_number", "permit_date", "expires_on", "conditions")
        }


FORMS = {"assign": AssignForm, "approve": ApproveForm}


def form_class(action: str) -> type[TransitionForm]:
    return FORMS.get(action, TransitionForm)


class DeclarationForm(NormalizingFormMixin, forms.Form):
    required_css_class = "required"
    confirm = forms.BooleanField(
        label=_("I have no conflict of interest with this firm."),
        error_messages={"required": _("Tick the box to make the declaration.")},
    )
    statement = forms.CharField(
        label=_("Statement (optional)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        required=False,
        help_text=_("Anything you want the record to say besides the declaration."),
    )

    def __init__(self, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        if firm is not None:
            self.fields["confirm"].label = _(
                "I declare that I have no conflict of interest with %(firm)s: no financial "
                "interest in it, no employment or family tie to it, and nothing else that "
                "could affect my judgement of its request."
            ) % {"firm": firm}
