"""The dashboards' charts: each builder turns one selector's numbers into a `Chart` with
translated labels (built per request, in the viewer's language). A dashboard is an
ordered mapping of chart slugs to builders, so that its page builds all of them and its
CSV view builds only the one asked for, from the same code."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import choice_label
from apps.insights import selectors
from apps.insights.charts import (
    BAR,
    HORIZONTAL_BAR,
    HORIZONTAL_STACKED_BAR,
    STACKED_BAR,
    Chart,
    Series,
)
from apps.opportunities.models import Opportunity
from apps.organizations.models import Organization, Prefecture
from apps.waivers.models import WaiverRequest


@dataclass
class Scope:
    """What a dashboard looks at: the agencies (agency dashboard), the window, today."""

    csv_url_name: str
    since: datetime
    today: date
    agency_ids: list[int] = field(default_factory=list)
    intermediary: Organization | None = None
    # The opportunity whose reach funnel the intermediary dashboard draws.
    opportunity_id: int | None = None
    # Numbers several charts of one page share, computed once per request.
    cache: dict = field(default_factory=dict, repr=False)

    def csv_url(self, slug: str) -> str:
        kwargs = {"chart": slug}
        if self.intermediary is not None:
            kwargs["pk"] = self.intermediary.pk
        url = reverse(self.csv_url_name, kwargs=kwargs)
        if self.opportunity_id is not None and slug == "reach":
            url += f"?opportunity={self.opportunity_id}"
        return url


Builder = Callable[[Scope], Chart]


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    whole = float(value).is_integer()
    return ngettext("%(days)s day", "%(days)s days", 1 if value == 1 else 2) % {
        "days": number_format(value, decimal_pos=0 if whole else 1)
    }


def _share(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return gettext("%(percent)s%%") % {"percent": number_format(100 * part / whole, 0)}


def _month_label(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _area_name(name_en: str, name_ja: str) -> str:
    if (get_language() or "en").startswith("ja"):
        return name_ja or name_en
    return name_en or name_ja


# --- The agency dashboard ----------------------------------------------------------------


def opportunities_by_area(scope: Scope) -> Chart:
    data = selectors.opportunities_by_area_and_status(scope.agency_ids, since=scope.since)
    series = [
        Series(
            choice_label(Opportunity.Status, status),
            tuple(data.counts.get((path, status), 0) for path, _en, _ja in data.areas),
        )
        for status in Opportunity.Status.values
    ]
    return Chart(
        slug="opportunities-by-area",
        title=gettext("Opportunities by technology area and status"),
        description=gettext(
            "Your agencies' opportunities in each top-level technology area, stacked by status."
        ),
        label_heading=gettext("Technology area"),
        labels=[_area_name(en, ja) for _path, en, ja in data.areas],
        series=[s for s in series if any(s.values)] or series[:1],
        kind=HORIZONTAL_STACKED_BAR,
        empty_text=gettext("No opportunities in the last twelve months."),
        note=gettext(
            "Opportunities published in the last twelve months, and drafts created in them. "
            "An opportunity in two areas counts in each."
        ),
    )


def responses_per_opportunity(scope: Scope) -> Chart:
    rows = selectors.newest_opportunities_figures(scope.agency_ids, since=scope.since)
    return Chart(
        slug="responses",
        title=gettext("Responses per opportunity"),
        description=gettext(
            "The number of responses to each of your newest published opportunities."
        ),
        label_heading=gettext("Opportunity"),
        labels=[row["reference_number"] for row in rows],
        series=[Series(gettext("Responses"), tuple(row["response_count"] for row in rows))],
        kind=HORIZONTAL_BAR,
        empty_text=gettext("No responses yet."),
        note=ngettext(
            "The newest published opportunity of the last twelve months, by reference number.",
            "The %(count)s newest published opportunities of the last twelve months, by "
            "reference number.",
            selectors.OPPORTUNITY_LIMIT,
        )
        % {"count": selectors.OPPORTUNITY_LIMIT},
    )


def time_to_first_response(scope: Scope) -> Chart:
    rows = [
        row
        for row in selectors.newest_opportunities_figures(scope.agency_ids, since=scope.since)
        if row["days_to_first_response"] is not None
    ]
    summary = selectors.first_response_summary(scope.agency_ids, since=scope.since)
    return Chart(
        slug="first-response",
        title=gettext("Time from publication to the first response"),
        description=gettext(
            "Days from each opportunity's publication to its first response, with the "
            "median over every answered opportunity."
        ),
        label_heading=gettext("Opportunity"),
        labels=[row["reference_number"] for row in rows],
        series=[
            Series(
                gettext("Days to the first response"),
                tuple(round(row["days_to_first_response"], 1) for row in rows),
            )
        ],
        kind=HORIZONTAL_BAR,
        decimals=1,
        zero_is_data=True,
        empty_text=gettext("No responses yet."),
        figures=[
            (gettext("Median"), _days(summary.median_days)),
            (
                gettext("Opportunities with a response"),
                gettext("%(answered)s of %(published)s")
                % {"answered": summary.answered, "published": summary.opportunities},
            ),
        ],
        note=gettext(
            "The median counts every opportunity published in the last twelve months that "
            "has a response; the chart shows the newest of them."
        ),
    )


def match_to_selection(scope: Scope) -> Chart:
    data = selectors.funnel(scope.agency_ids, since=scope.since)
    return Chart(
        slug="funnel",
        title=gettext("From match to selection"),
        description=gettext(
            "Firms matched with your opportunities, the responses received, those invited "
            "to pitch and those selected."
        ),
        label_heading=gettext("Stage"),
        labels=[
            gettext("Matched firms"),
            gettext("Responded"),
            gettext("Invited to pitch"),
            gettext("Selected"),
        ],
        series=[
            Series(gettext("Count"), (data.matched, data.responded, data.invited, data.selected))
        ],
        kind=HORIZONTAL_BAR,
        empty_text=gettext("No matched firms or responses yet."),
        figures=[
            (gettext("Responses per matched firm"), _share(data.responded, data.matched)),
            (gettext("Selected of the responses"), _share(data.selected, data.responded)),
        ],
        note=gettext(
            "Over the opportunities published in the last twelve months. A matched firm has "
            "a published capability in a related technology area today; a firm may respond "
            "without matching. Invited counts responses invited to pitch, or selected "
            "without a pitch."
        ),
    )


def export_gate(scope: Scope) -> Chart:
    data = selectors.export_gate(scope.agency_ids, since=scope.since, today=scope.today)
    return Chart(
        slug="export-gate",
        title=gettext("Responses held by the export-control gate"),
        description=gettext(
            "Responses whose attachment is held until an export authorization is in effect, "
            "beside those released and those with nothing to hold."
        ),
        label_heading=gettext("Responses"),
        labels=[
            gettext("Held pending export authorization"),
            gettext("Released by an export authorization"),
            gettext("No controlled attachment"),
        ],
        series=[Series(gettext("Responses"), (data.held, data.released, data.uncontrolled))],
        kind=HORIZONTAL_BAR,
        empty_text=gettext("No responses yet."),
        figures=[
            (gettext("Share of responses held"), _share(data.held, data.responses)),
            (gettext("Controlled attachments held"), _share(data.held, data.controlled)),
        ],
        note=gettext(
            "Responses to the opportunities published in the last twelve months. A "
            "controlled attachment on an opportunity that requires an export authorization "
            "opens to your agency once the firm's approved request covers it."
        ),
    )


AGENCY_CHARTS: dict[str, Builder] = {
    "opportunities-by-area": opportunities_by_area,
    "responses": responses_per_opportunity,
    "first-response": time_to_first_response,
    "funnel": match_to_selection,
    "export-gate": export_gate,
}


# --- The reviewers' dashboard ------------------------------------------------------------

WS = WaiverRequest.Status
DECISION_LABELS = {"confirm": _("Approved"), "deny": _("Denied")}


def requests_by_state(scope: Scope) -> Chart:
    counts = selectors.status_entries_by_month(today=scope.today)
    months = selectors.recent_months(scope.today)
    series = [
        Series(choice_label(WS, status), tuple(counts.get((month, status), 0) for month in months))
        for status in WS.values
        if status != WS.DRAFT
    ]
    return Chart(
        slug="requests-by-state",
        title=gettext("Export-control requests by state, month by month"),
        description=gettext(
            "How many requests entered each state in each of the last twelve months."
        ),
        label_heading=gettext("Month"),
        labels=[_month_label(month) for month in months],
        series=[s for s in series if any(s.values)] or series[:1],
        kind=STACKED_BAR,
        empty_text=gettext("No requests reached the authority in the last twelve months."),
        note=gettext(
            "From the audit trail: every change of state counts in the month (Tokyo time) "
            "it happened."
        ),
    )


def days_to_decision(scope: Scope) -> Chart:
    data = selectors.decision_times(today=scope.today)
    months = selectors.recent_months(scope.today)
    by_month = [data.by_month.get(month, (None, None)) for month in months]
    return Chart(
        slug="days-to-decision",
        title=gettext("Days to a decision"),
        description=gettext(
            "The median and the 90th percentile of the days from a request's first "
            "submission to its decision, by month of the decision."
        ),
        label_heading=gettext("Month"),
        labels=[_month_label(month) for month in months],
        series=[
            Series(gettext("Median"), tuple(_rounded(m) for m, _p in by_month)),
            Series(gettext("90th percentile"), tuple(_rounded(p) for _m, p in by_month)),
        ],
        kind=BAR,
        decimals=1,
        zero_is_data=True,
        empty_text=gettext("No decisions in the last twelve months."),
        figures=[
            (gettext("Decisions"), str(data.decisions)),
            (gettext("Median"), _days(data.median_days)),
            (gettext("90th percentile"), _days(data.p90_days)),
        ],
        note=gettext(
            "A decision is an approval's confirmation or a denial. The days include the "
            "firm's turns (information requested, returned)."
        ),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def service_level(scope: Scope) -> Chart:
    data = selectors.service_level(today=scope.today)
    return Chart(
        slug="service-level",
        title=gettext("Requests against the service-level target"),
        description=gettext(
            "Requests the authority holds now: past the target, due soon, and on track."
        ),
        label_heading=gettext("Standing"),
        labels=[
            gettext("Overdue"),
            ngettext("Due within %(days)s day", "Due within %(days)s days", data.reminder_days)
            % {"days": data.reminder_days},
            gettext("On track"),
        ],
        series=[Series(gettext("Requests"), (data.overdue, data.due_soon, data.on_track))],
        kind=BAR,
        empty_text=gettext("The authority holds no request now."),
        figures=[
            (gettext("Held by the authority"), str(data.held)),
            (gettext("Overdue"), str(data.overdue)),
            (gettext("Service-level target"), _days(data.target_days)),
        ],
        note=gettext(
            "The target's clock runs from the (re)submission while the authority holds the "
            "request, on the Tokyo calendar, as in the reviewers' queue."
        ),
    )


def decisions_by_classification(scope: Scope) -> Chart:
    counts = selectors.decisions_by_classification(today=scope.today)
    classifications = [(value, label) for value, label in WaiverRequest.Classification.choices] + [
        ("", gettext("Not classified"))
    ]
    shown = [
        (value, label)
        for value, label in classifications
        if value != "" or any(key[0] == "" for key in counts)
    ]
    return Chart(
        slug="decisions-by-classification",
        title=gettext("Decisions by classification"),
        description=gettext(
            "Approvals and denials of the last twelve months, by the classification of the "
            "technology."
        ),
        label_heading=gettext("Classification"),
        labels=[str(label) for _value, label in shown],
        series=[
            Series(
                str(DECISION_LABELS[action]),
                tuple(counts.get((value, action), 0) for value, _label in shown),
            )
            for action in selectors.DECISION_ACTIONS
        ],
        kind=STACKED_BAR,
        empty_text=gettext("No decisions in the last twelve months."),
    )


REVIEW_CHARTS: dict[str, Builder] = {
    "requests-by-state": requests_by_state,
    "days-to-decision": days_to_decision,
    "service-level": service_level,
    "decisions-by-classification": decisions_by_classification,
}


def build(charts: dict[str, Builder], scope: Scope, slug: str | None = None) -> list[Chart]:
    """Every chart of a dashboard, or only `slug`'s; each with its CSV URL."""
    built = []
    for chart_slug, builder in charts.items():
        if slug is not None and chart_slug != slug:
            continue
        chart = builder(scope)
        chart.csv_url = scope.csv_url(chart_slug)
        built.append(chart)
    return built


# --- The intermediary's dashboard -------------------------------------------------------


STAGE_LABELS = {
    "targeted": _("Targeted"),
    "received": _("Received an e-mail"),
    "opened": _("Opened it from the e-mail"),
    "followed": _("Followed"),
    "asked": _("Asked a question"),
    "responded": _("Responded"),
    "invited": _("Invited to pitch"),
    "selected": _("Selected"),
}


def network_by_area(scope: Scope) -> Chart:
    from apps.insights import outreach

    rows = outreach.network_by_area(scope.intermediary)
    return Chart(
        slug="network-by-area",
        title=gettext("Your network by technology area"),
        description=gettext(
            "Partner firms on the portal with a published capability in each top-level "
            "technology area."
        ),
        label_heading=gettext("Technology area"),
        labels=[area.name for area, _count in rows],
        series=[Series(gettext("Firms"), tuple(count for _area, count in rows))],
        kind=HORIZONTAL_BAR,
        empty_text=gettext("No partner firm on the portal has published a capability yet."),
        note=gettext("A firm working in several areas counts in each."),
    )


def network_by_prefecture(scope: Scope) -> Chart:
    from apps.insights import outreach

    counts = outreach.network_by_prefecture(scope.intermediary)
    ordered = [value for value in Prefecture.values if value in counts]
    ordered += [k for k in (outreach.NO_PREFECTURE, outreach.NOT_ON_PORTAL) if k in counts]
    other = {
        outreach.NO_PREFECTURE: gettext("No address given yet"),
        outreach.NOT_ON_PORTAL: gettext("Not on the portal yet"),
    }
    return Chart(
        slug="network-by-prefecture",
        title=gettext("Your network by prefecture"),
        description=gettext("Partner firms by the prefecture of their registered address."),
        label_heading=gettext("Prefecture"),
        labels=[
            other[value] if value in other else choice_label(Prefecture, value) for value in ordered
        ],
        series=[Series(gettext("Partners"), tuple(counts[value] for value in ordered))],
        kind=HORIZONTAL_BAR,
        empty_text=gettext("Your network is empty."),
    )


def _reaches(scope: Scope) -> list:
    from apps.insights import outreach

    if "reach" not in scope.cache:
        scope.cache["reach"] = outreach.reach(scope.intermediary, since=scope.since)
    return scope.cache["reach"]


def _opportunity_label(opportunity) -> str:
    return f"{opportunity.reference_number} {opportunity.title}"


def reach_funnel(scope: Scope) -> Chart:
    from apps.insights import outreach

    rows = _reaches(scope)
    chosen = next((r for r in rows if r.opportunity.pk == scope.opportunity_id), None)
    chosen = chosen or (rows[0] if rows else None)
    if chosen is not None:
        scope.opportunity_id = chosen.opportunity.pk
    return Chart(
        slug="reach",
        title=gettext("Reach of a targeted opportunity"),
        description=(
            gettext("How many of the firms you targeted reached each stage: %(opportunity)s")
            % {"opportunity": _opportunity_label(chosen.opportunity)}
            if chosen
            else ""
        ),
        label_heading=gettext("Stage"),
        labels=[str(STAGE_LABELS[stage]) for stage in outreach.STAGES],
        series=[
            Series(
                gettext("Firms"),
                tuple(chosen.counts[stage] if chosen else 0 for stage in outreach.STAGES),
            )
        ],
        kind=HORIZONTAL_BAR,
        empty_text=gettext("You have not targeted an opportunity in the last twelve months."),
        note=gettext(
            "Firms, each counted once per stage. Openings are counted through the links in "
            "our e-mails, only for recipients who allow it; a firm may respond without "
            "opening the e-mail."
        ),
    )


def reach_by_opportunity(scope: Scope) -> Chart:
    rows = _reaches(scope)
    return Chart(
        slug="reach-by-opportunity",
        title=gettext("Reach of each targeted opportunity"),
        description=gettext(
            "For the opportunities you targeted most recently: the firms targeted, those "
            "who opened it from the e-mail, who responded and who were selected."
        ),
        label_heading=gettext("Opportunity"),
        labels=[r.opportunity.reference_number for r in rows],
        series=[
            Series(str(STAGE_LABELS[stage]), tuple(r.counts[stage] for r in rows))
            for stage in ("targeted", "opened", "responded", "selected")
        ],
        kind=HORIZONTAL_BAR,
        empty_text=gettext("You have not targeted an opportunity in the last twelve months."),
    )


def network_responses(scope: Scope) -> Chart:
    from apps.insights import outreach

    months = selectors.recent_months(scope.today)
    counts = outreach.network_responses_by_month(
        scope.intermediary, since=selectors.months_start(scope.today)
    )
    return Chart(
        slug="network-responses",
        title=gettext("Responses of your network, month by month"),
        description=gettext(
            "Responses by your partner firms to opportunities you targeted at them, by name "
            "or through your network, and to others."
        ),
        label_heading=gettext("Month"),
        labels=[_month_label(month) for month in months],
        series=[
            Series(
                gettext("To opportunities you targeted"),
                tuple(counts.get(m, {}).get("targeted", 0) for m in months),
            ),
            Series(
                gettext("To other opportunities"),
                tuple(counts.get(m, {}).get("other", 0) for m in months),
            ),
        ],
        kind=STACKED_BAR,
        empty_text=gettext("Your partner firms have not responded in the last twelve months."),
        note=gettext("Months in Japan time."),
    )


INTERMEDIARY_CHARTS: dict[str, Builder] = {
    "reach": reach_funnel,
    "reach-by-opportunity": reach_by_opportunity,
    "network-responses": network_responses,
    "network-by-area": network_by_area,
    "network-by-prefecture": network_by_prefecture,
}
