"""The one table of an export-control request's transitions: which action moves it from
which statuses to which, and who may fire it. Only services.py consults it.

    draft ──submit──▶ submitted ──assign──▶ under review ──approve──▶ awaiting confirmation
                          │                   │    ▲  │                 │ confirm (a second
                          │ return            │    │  │ request         ▼  reviewer)
                          ▼                   │    │  ▼ information   approved ──▶ expired
                       returned ◀──return─────┘    │  information        │         (daily task)
                          │                assign  │  requested          └─revoke─▶ revoked
                          └─resubmit──▶ resubmitted ◀─resubmit─┘
    under review / awaiting confirmation ──deny──▶ denied
    anything before a decision ──withdraw──▶ withdrawn
"""

from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

from apps.waivers.models import WaiverRequest

S = WaiverRequest.Status

OFFICER = "officer"  # a member of the firm holding the export-control officer role
REVIEWER = "reviewer"  # a member of the waiver reviewers group who declared no conflict
SYSTEM = "system"  # the daily task

BEFORE_DECISION = frozenset(
    {
        S.DRAFT,
        S.SUBMITTED,
        S.UNDER_REVIEW,
        S.INFORMATION_REQUESTED,
        S.RESUBMITTED,
        S.RETURNED,
        S.AWAITING_CONFIRMATION,
    }
)
# The firm may edit what it filed while it is its turn.
FIRM_EDITABLE = frozenset({S.DRAFT, S.RETURNED, S.INFORMATION_REQUESTED})


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    role: str
    needs_comment: bool = False


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT}), S.SUBMITTED, OFFICER),
    "resubmit": Transition(
        frozenset({S.INFORMATION_REQUESTED, S.RETURNED}), S.RESUBMITTED, OFFICER
    ),
    "withdraw": Transition(BEFORE_DECISION - {S.DRAFT}, S.WITHDRAWN, OFFICER),
    "assign": Transition(frozenset({S.SUBMITTED, S.RESUBMITTED}), S.UNDER_REVIEW, REVIEWER),
    "request_information": Transition(
        frozenset({S.UNDER_REVIEW}), S.INFORMATION_REQUESTED, REVIEWER, needs_comment=True
    ),
    "return": Transition(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED}), S.RETURNED, REVIEWER, True
    ),
    "approve": Transition(frozenset({S.UNDER_REVIEW}), S.AWAITING_CONFIRMATION, REVIEWER, True),
    "confirm": Transition(frozenset({S.AWAITING_CONFIRMATION}), S.APPROVED, REVIEWER, True),
    "send_back": Transition(
        frozenset({S.AWAITING_CONFIRMATION}), S.UNDER_REVIEW, REVIEWER, needs_comment=True
    ),
    "deny": Transition(
        frozenset({S.UNDER_REVIEW, S.AWAITING_CONFIRMATION}), S.DENIED, REVIEWER, True
    ),
    "revoke": Transition(frozenset({S.APPROVED}), S.REVOKED, REVIEWER, needs_comment=True),
    "expire": Transition(frozenset({S.APPROVED}), S.EXPIRED, SYSTEM),
}


ACTION_LABELS = {
    "submit": pgettext_lazy("waiver action", "Submit"),
    "resubmit": pgettext_lazy("waiver action", "Resubmit"),
    "withdraw": pgettext_lazy("waiver action", "Withdraw"),
    "assign": pgettext_lazy("waiver action", "Assign"),
    "request_information": pgettext_lazy("waiver action", "Request information"),
    "return": pgettext_lazy("waiver action", "Return without action"),
    "approve": pgettext_lazy("waiver action", "Approve"),
    "confirm": pgettext_lazy("waiver action", "Confirm the approval"),
    "send_back": pgettext_lazy("waiver action", "Send the approval back"),
    "deny": pgettext_lazy("waiver action", "Deny"),
    "revoke": pgettext_lazy("waiver action", "Revoke"),
    "expire": pgettext_lazy("waiver action", "Expire"),
    "acknowledge_conditions": pgettext_lazy("waiver action", "Acknowledge the conditions"),
}

# Comments the firm reads in its history and e-mails. The others (an approval's note, a
# confirmation, an approval sent back, an assignment) are between reviewers.
FIRM_VISIBLE_COMMENTS = frozenset(
    {
        "submit",
        "resubmit",
        "withdraw",
        "request_information",
        "return",
        "deny",
        "revoke",
        "expire",
        "acknowledge_conditions",
    }
)


def actions_from(status: str, role: str) -> list[str]:
    """The actions someone with `role` may fire from `status` (for buttons and menus)."""
    return [name for name, t in TRANSITIONS.items() if status in t.sources and t.role == role]
