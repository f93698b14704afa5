"""The read-only JSON API (/api/v1/…): published opportunities and the technology taxonomy.

The opportunity list takes exactly the query string of /opportunities/ (the same
`filters.filtered_opportunities`, with the same defaults: open opportunities, soonest
deadline first), so a filter URL copied from the browser works here too. Invalid filter
values answer 400 with the filter form's errors rather than an empty page, so that an
integrator learns about a typo. Anonymous reads are rate-limited by DRF's throttles
(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), whose counters live in the shared cache.
"""

import copy
import datetime
import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils import encoders

from apps.core.pagecache import cached_data, request_generation
from apps.core.pagination import list_count_key
from apps.opportunities import filters, receivers, selectors
from apps.opportunities.models import Opportunity
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import areas_tree


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC ("…Z"), whatever time zone the viewer's preferences activated."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class KeptFieldsMixin:
    """A ModelSerializer builds its fields by reading the model's field definitions for
    every serializer it makes (for a page of the list: the list's and the nested
    agency's), which cost more than serialising the page's rows. They depend on the class
    alone: built once per class, and each serializer gets its own copies, as DRF's plain
    Serializer gets copies of its declared fields."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


class AgencySerializer(KeptFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name_en", "name_ja"]
        read_only_fields = fields


class OpportunitySerializer(KeptFieldsMixin, serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The opportunity's page on the portal.")
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:opportunity-detail", help_text="This resource."
    )
    areas = serializers.SlugRelatedField(
        many=True,
        read_only=True,
        slug_field="slug",
        help_text="Slugs of the technology areas (see /api/v1/technology-areas/).",
    )
    response_deadline = UTCDateTimeField()
    question_deadline = UTCDateTimeField(allow_null=True)
    published_at = UTCDateTimeField(allow_null=True)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in selectors.PUBLIC_STATUSES], read_only=True
    )
    agency = AgencySerializer(source="organization", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "url",
            "api_url",
            "reference_number",
            "title_en",
            "title_ja",
            "summary_en",
            "summary_ja",
            "description_en",
            "description_ja",
            "vehicle",
            "areas",
            "trl_min",
            "trl_max",
            "funding_min",
            "funding_max",
            "currency",
            "response_deadline",
            "question_deadline",
            "place_of_performance",
            "foreign_participation",
            "export_authorization_required",
            "status",
            "published_at",
            "agency",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, opportunity: Opportunity) -> str:
        request = self.context.get("request")
        path = opportunity.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class TechnologyAreaSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField(help_text="Slug of the parent area, or null.")

    class Meta:
        model = TechnologyArea
        fields = ["slug", "name_en", "name_ja", "parent", "depth", "path"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, area: TechnologyArea) -> str | None:
        if area.parent_id is None:
            return None
        # areas_tree() attaches the ancestors, root first: no query per area.
        ancestors = getattr(area, "_prefetched_ancestors", None)
        return ancestors[-1].slug if ancestors else area.parent.slug


def _choices(choices) -> list[str]:
    return [str(value) for value, _label in choices]


OPPORTUNITY_FILTER_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Keywords, English or Japanese; every word must match.",
    ),
    OpenApiParameter(
        "area",
        OpenApiTypes.STR,
        description="A technology area slug; includes its sub-areas.",
    ),
    OpenApiParameter("agency", OpenApiTypes.INT, description="The id of a verified agency."),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=[*(str(s) for s in selectors.PUBLIC_STATUSES), "any"],
        default=Opportunity.Status.PUBLISHED.value,
        description="published (open, the default), closed, awarded, or any of them.",
    ),
    OpenApiParameter(
        "deadline_after",
        OpenApiTypes.DATE,
        description="Response deadline on or after this day (a UTC date, for everyone).",
    ),
    OpenApiParameter(
        "deadline_before",
        OpenApiTypes.DATE,
        description="Response deadline on or before this day (a UTC date, for everyone).",
    ),
    OpenApiParameter(
        "trl",
        OpenApiTypes.INT,
        description="A technology readiness level (1–9) within the range sought.",
    ),
    OpenApiParameter("vehicle", OpenApiTypes.STR, enum=_choices(Opportunity.Vehicle.choices)),
    OpenApiParameter(
        "foreign_participation",
        OpenApiTypes.STR,
        enum=_choices(Opportunity.ForeignParticipation.choices),
    ),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=["deadline", "newest", "relevance"],
        default="deadline",
        description="deadline: soonest first; newest: latest published first; "
        "relevance: the same as deadline (every result holds all the keywords and they "
        "rank alike; kept for existing links).",
    ),
]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


# Every field that did not validate, with its messages: {"trl": ["…"], …}.
FILTER_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many requests: retry later.")


@extend_schema_view(
    list=extend_schema(
        summary="Published opportunities",
        description="The filters of /opportunities/; open ones, soonest deadline first, "
        "unless asked otherwise. Invalid filter values answer 400.",
        parameters=OPPORTUNITY_FILTER_PARAMETERS,
        responses={
            200: OpportunitySerializer(many=True),
            400: OpenApiResponse(FILTER_ERRORS, description="A filter value is invalid."),
            404: OpenApiResponse(ErrorSerializer, description="No such page."),
            429: THROTTLED,
        },
    ),
    retrieve=extend_schema(
        summary="One opportunity",
        description="Published, closed and awarded opportunities; drafts and cancelled "
        "ones answer 404.",
        responses={
            200: OpportunitySerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such public opportunity."),
            429: THROTTLED,
        },
    ),
)
class OpportunityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OpportunitySerializer
    queryset = selectors.opportunities_public()
    # Any path segment reaches the view, so that "/opportunities/0.5/" is the API's JSON
    # 404 (as the schema says) rather than the site's HTML page.
    lookup_value_regex = "[^/]+"
    # The list filters through filters.filtered_opportunities, like the page and the feeds.
    filter_backends: list = []

    def list(self, request, *args, **kwargs):
        """The same rows for everyone: served from the page cache's data under the
        "opportunities" generation (throttling and rendering still happen per request)."""

        def compute():
            return super(OpportunityViewSet, self).list(request, *args, **kwargs).data

        def stored(data):
            # Plain JSON types: links keep their model instance, which need not be stored.
            return json.loads(json.dumps(data, cls=encoders.JSONEncoder))

        data = cached_data(
            receivers.GENERATION,
            request,
            compute,
            until=selectors.next_open_deadline,
            params=filters.LIST_PARAMS,
            stored=stored,
        )
        return Response(data)

    def count_kept(self, request):
        """The list's capped count, kept as the page's is (opportunities.views): the same
        for everyone until an edit or, for the open ones, until the deadline of one of
        the rows it counted passes."""
        generation = request_generation(request, receivers.GENERATION)  # before the rows
        filterset = getattr(self, "filterset", None)  # get_queryset's, read before the page
        clock = filterset.count_clock() if filterset else {"leaves_at": "response_deadline"}
        return {"count_key": list_count_key("api-opportunities", request, generation), **clock}

    def get_queryset(self):
        queryset = selectors.opportunities_public()
        if self.action != "list":
            return queryset
        filterset, filtered = filters.filtered_opportunities(
            self.request.query_params, queryset, self.request
        )
        self.filterset = filterset  # its rows' clock, for the kept count (count_kept)
        if filterset.errors:
            raise ValidationError(filterset.errors)
        return filtered


@extend_schema_view(
    list=extend_schema(
        summary="Technology areas",
        description="The whole taxonomy in display order (each area straight after its "
        "parent), not paginated.",
        responses={200: TechnologyAreaSerializer(many=True), 429: THROTTLED},
    ),
)
class TechnologyAreaViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TechnologyAreaSerializer
    queryset = TechnologyArea.objects.all()
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return areas_tree()
