"""The cases API: scoped lists and details, intake, and one POST action per step of the closed loop.

Thin by design (DESIGN.md): parse the body with the action's serializer, call the one service function, answer with
the case as it is now. Every list and object goes through the cases selectors (the caller's scope; 404 outside it).
The services' errors become 400/403/404/409 in one place (civicgrid.cases.api.errors).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from civicgrid.cases import selectors, services
from civicgrid.cases.api import serializers as s
from civicgrid.cases.api.errors import case_exception_handler
from civicgrid.cases.errors import CaseInputError, CaseNotFound, Conflict
from civicgrid.cases.filters import CaseFilter
from civicgrid.cases.models import Case, Category, CategoryKind, Channel
from civicgrid.cases.pagination import CasePagination
from civicgrid.geo.models import Region
from civicgrid.people.models import Department, Role

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 64

ERRORS = {
    400: OpenApiResponse(s.CaseFieldErrorSerializer, description="bad input: names the field"),
    403: OpenApiResponse(s.CaseErrorSerializer, description="not signed in, or this role may not take this action"),
    404: OpenApiResponse(s.CaseErrorSerializer, description="no such case within the caller's scope"),
    409: OpenApiResponse(s.CaseConflictSerializer,
                         description="not allowed from the case's current status, or someone changed it first"),
}
ACTED = {200: s.CaseDetailSerializer, **ERRORS}
BODIES = {  # the request body each action reads (also what the browsable API offers as its form)
    "create": s.CaseReportSerializer,
    "merge_many": s.CaseMergeManySerializer,
    "accept": s.CaseAcceptSerializer,
    "reject": s.CaseReasonSerializer,
    "merge": s.CaseMergeSerializer,
    "dispatch_case": s.CaseDispatchSerializer,
    "receive": s.CaseNoteSerializer,
    "return_case": s.CaseReasonSerializer,
    "request_extension": s.CaseRequestExtensionSerializer,
    "decide_extension": s.CaseDecideExtensionSerializer,
    "suspend": s.CaseReasonSerializer,
    "resume": s.CaseNoteSerializer,
    "handle": s.CaseHandleSerializer,
    "verify": s.CaseVerifySerializer,
    "fail_verification": s.CaseFailVerificationSerializer,
    "close": s.CaseNoteSerializer,
    "supervise": s.CaseSuperviseSerializer,
    "evaluate": s.CaseEvaluateSerializer,
    "reopen": s.CaseReasonSerializer,
}
MULTIPART = ["multipart/form-data", "application/json", "application/x-www-form-urlencoded"]


# ------------------------------------------------------------------------------- look-ups of codes in a request body


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code.strip()).first()
    if category is None:
        raise CaseInputError("category", _("no category with code %(code)s") % {"code": code})
    return category


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    department = Department.objects.filter(code=code.strip()).first()
    if department is None:
        raise CaseInputError("department", _("no department with code %(code)s") % {"code": code})
    return department


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise CaseInputError("region", _("no region with code %(code)s") % {"code": code})
    return region


def _other_case(user, ticket_no: str, field: str) -> Case:
    """A case named in the body (merge into): one the caller may see, else a 400 naming the field."""
    try:
        return selectors.get_case_for(user, ticket_no=ticket_no.strip())
    except CaseNotFound:
        raise CaseInputError(field, _("no case %(ticket)s within your scope") % {"ticket": ticket_no}) from None


def _idempotency_key(request) -> str | None:
    """The client's Idempotency-Key header, kept apart per user (one user's key never finds another's case)."""
    raw = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not raw:
        return None
    if len(raw) > IDEMPOTENCY_KEY_MAX or not raw.isascii() or not raw.isprintable():
        raise CaseInputError(IDEMPOTENCY_HEADER, _("must be at most %(n)d printable ASCII characters")
                             % {"n": IDEMPOTENCY_KEY_MAX})
    return f"api:{request.user.pk}:{raw}"


def _is_staff(user) -> bool:
    return user.is_superuser or user.role != Role.RESIDENT


# ------------------------------------------------------------------------------------------------------- the cases


@extend_schema_view(
    list=extend_schema(summary="Cases within the caller's scope", responses={200: s.CaseSerializer(many=True),
                                                                            400: ERRORS[400]}),
    retrieve=extend_schema(summary="One case, with its timeline and the actions the caller may take now",
                           responses={200: s.CaseDetailSerializer, 404: ERRORS[404]}),
)
class CaseViewSet(viewsets.GenericViewSet):
    """Cases: list, detail, intake, and the closed loop's verbs as actions."""

    queryset = Case.objects.none()  # for the schema; requests use get_queryset (the caller's scope)
    lookup_field = "ticket_no"
    lookup_value_regex = "[^/]+"
    filterset_class = CaseFilter
    pagination_class = CasePagination
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    serializer_class = s.CaseSerializer

    acted_on: Case | None = None  # the case the request is about (the error handler reports its version on 409)

    def get_queryset(self):
        return selectors.queue_for(self.request.user)

    def get_serializer_class(self):
        return BODIES.get(self.action, s.CaseSerializer)

    def get_exception_handler(self):
        return case_exception_handler

    def get_object(self) -> Case:
        case = selectors.get_case_for(self.request.user, ticket_no=self.kwargs[self.lookup_field])
        self.acted_on = case
        return case

    def _detail(self, case: Case, code=status.HTTP_200_OK, **headers) -> Response:
        data = s.CaseDetailSerializer(case, context=self.get_serializer_context()).data
        return Response(data, status=code, headers=headers or None)

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.CaseSerializer(page, many=True).data)

    def retrieve(self, request, ticket_no=None):
        return self._detail(self.get_object())

    @extend_schema(
        summary="Report a case (intake)",
        description="Send multipart/form-data to attach photos. A retry with the same Idempotency-Key header answers "
                    "200 with the case the first request made, instead of 201 with a new one.",
        request={m: s.CaseReportSerializer for m in MULTIPART},
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER,
                                     description="any string of up to 64 characters the client makes up once per "
                                                 "report and sends again on every retry of it")],
        responses={201: s.CaseDetailSerializer, 200: s.CaseDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        staff = _is_staff(user)
        channel = data.get("channel") or Channel.API
        if not staff and channel != Channel.API:
            raise CaseInputError("channel", _("a resident's reports come in through the REST API channel; "
                                              "only staff may name another channel"))
        key = _idempotency_key(request)
        if key:
            earlier = Case.objects.filter(idempotency_key=key).first()
            if earlier is not None:
                return self._detail(earlier)
        case = services.report_case(
            channel=channel, title=data["title"], description=data["description"],
            category=_category(data.get("category")), lon=data.get("lon"), lat=data.get("lat"), crs=data["crs"],
            region=_region(data.get("region")), address=data.get("address", ""),
            reporter=None if staff else user, entered_by=user if staff else None, anonymous=data["anonymous"],
            contact_name=data.get("contact_name", ""), contact_phone=data.get("contact_phone", ""),
            external_ticket_id=data.get("external_ticket_id", ""), idempotency_key=key, photos=data["photos"],
        )
        return self._detail(case, status.HTTP_201_CREATED, Location=f"{request.path}{case.ticket_no}/")

    # --------------------------------------------------------------------------------------------- the loop

    def _act(self, request, perform) -> Response:
        """Parse the body, run `perform(case, actor, data, expected_version)`, answer with the case as it is now."""
        case = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = data.pop("version", None)
        perform(case, request.user, data, version)  # the services refresh `case` in place
        return self._detail(case)

    @extend_schema(summary="受理: take the case on", request=s.CaseAcceptSerializer, responses=ACTED)
    @action(detail=True, methods=["post"])
    def accept(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.accept(
            case, actor, category=_category(d["category"]), note=d["note"], expected_version=v))

    @extend_schema(summary="不予受理: reject, with the reason the resident is told", request=s.CaseReasonSerializer,
                   responses=ACTED)
    @action(detail=True, methods=["post"])
    def reject(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.reject(
            case, actor, reason=d["reason"], expected_version=v))

    @extend_schema(summary="Merge a duplicate into the case it repeats", request=s.CaseMergeSerializer, responses=ACTED)
    @action(detail=True, methods=["post"])
    def merge(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.merge(
            case, actor, into=_other_case(actor, d["into"], "into"), note=d["note"], expected_version=v))

    @extend_schema(summary="派遣: send the case to the department that must act", request=s.CaseDispatchSerializer,
                   responses=ACTED)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_case(self, request, ticket_no=None):  # not `dispatch`: that is APIView's own entry point
        return self._act(request, lambda case, actor, d, v: services.dispatch(
            case, actor, department=_department(d["department"]), note=d["note"], expected_version=v))

    @extend_schema(summary="签收: the department takes the case into handling", request=s.CaseNoteSerializer,
                   responses=ACTED)
    @action(detail=True, methods=["post"])
    def receive(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.receive(
            case, actor, note=d["note"], expected_version=v))

    @extend_schema(summary="退回: not this department's case", request=s.CaseReasonSerializer, responses=ACTED)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_case(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.return_case(
            case, actor, reason=d["reason"], expected_version=v))

    @extend_schema(summary="延期: ask for more time", request=s.CaseRequestExtensionSerializer, responses=ACTED)
    @action(detail=True, methods=["post"], url_path="request-extension", url_name="request-extension")
    def request_extension(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.request_extension(
            case, actor, extra_minutes=d["extra_minutes"], reason=d["reason"], expected_version=v))

    @extend_schema(summary="Grant or refuse the pending extension request", request=s.CaseDecideExtensionSerializer,
                   responses=ACTED)
    @action(detail=True, methods=["post"], url_path="decide-extension", url_name="decide-extension")
    def decide_extension(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.decide_extension(
            case, actor, grant=d["grant"], note=d["note"], expected_version=v))

    @extend_schema(summary="挂起: stop the clock", request=s.CaseReasonSerializer, responses=ACTED)
    @action(detail=True, methods=["post"])
    def suspend(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.suspend(
            case, actor, reason=d["reason"], expected_version=v))

    @extend_schema(summary="Resume a suspended case with the time it had left", request=s.CaseNoteSerializer,
                   responses=ACTED)
    @action(detail=True, methods=["post"])
    def resume(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.resume(
            case, actor, note=d["note"], expected_version=v))

    @extend_schema(summary="处置反馈: report what was done, with photos (multipart/form-data)",
                   request={m: s.CaseHandleSerializer for m in MULTIPART}, responses=ACTED)
    @action(detail=True, methods=["post"])
    def handle(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.handle(
            case, actor, result=d["result"], photos=d["photos"], expected_version=v))

    @extend_schema(summary="核查: the fix is real (photos and position of the verifier)",
                   request={m: s.CaseVerifySerializer for m in MULTIPART}, responses=ACTED)
    @action(detail=True, methods=["post"])
    def verify(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.verify(
            case, actor, note=d["note"], photos=d["photos"], lon=d.get("lon"), lat=d.get("lat"), expected_version=v))

    @extend_schema(summary="核查未通过: back to the department for rework",
                   request={m: s.CaseFailVerificationSerializer for m in MULTIPART}, responses=ACTED)
    @action(detail=True, methods=["post"], url_path="fail-verification", url_name="fail-verification")
    def fail_verification(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.fail_verification(
            case, actor, reason=d["reason"], photos=d["photos"], lon=d.get("lon"), lat=d.get("lat"),
            expected_version=v))

    @extend_schema(summary="结案: close the verified case", request=s.CaseNoteSerializer, responses=ACTED)
    @action(detail=True, methods=["post"])
    def close(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.close(
            case, actor, note=d["note"], expected_version=v))

    @extend_schema(summary="督办: supervise a late or disputed case", request=s.CaseSuperviseSerializer, responses=ACTED)
    @action(detail=True, methods=["post"])
    def supervise(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.supervise(
            case, actor, reason=d["reason"], due_minutes=d["due_minutes"], expected_version=v))

    @extend_schema(summary="满意度评价 / 回访: the resident's judgement", request=s.CaseEvaluateSerializer,
                   responses=ACTED)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.evaluate(
            case, actor, satisfaction=d["satisfaction"], resolved=d["resolved"], note=d["note"],
            by_callback=d["by_callback"], expected_version=v))

    @extend_schema(summary="Reopen: it is not fixed", request=s.CaseReasonSerializer, responses=ACTED)
    @action(detail=True, methods=["post"])
    def reopen(self, request, ticket_no=None):
        return self._act(request, lambda case, actor, d, v: services.reopen(
            case, actor, reason=d["reason"], expected_version=v))

    @extend_schema(summary="同类事件批量处理: merge several duplicates at once (all or nothing)",
                   request=s.CaseMergeManySerializer,
                   responses={200: s.CaseMergeManyResultSerializer, 400: ERRORS[400], 403: ERRORS[403],
                              409: ERRORS[409]})
    @action(detail=False, methods=["post"], url_path="merge-many", url_name="merge-many")
    def merge_many(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        into = _other_case(user, data["into"], "into")
        cases = [_other_case(user, t, "tickets") for t in dict.fromkeys(data["tickets"])]
        for case in cases:
            seen = data["versions"].get(case.ticket_no)
            if seen is not None and seen != case.version:
                self.acted_on = case
                raise Conflict(_("case %(ticket)s was changed by someone else (version %(now)d, you had "
                                 "%(seen)d); reload it") % {"ticket": case.ticket_no, "now": case.version,
                                                            "seen": seen})
        merged = services.merge_many(cases, user, into=into, note=data["note"])  # one transaction
        return Response({"into": into.ticket_no, "merged": s.CaseSerializer(merged, many=True).data})


# ---------------------------------------------------------------------------------------------------- categories


@extend_schema_view(list=extend_schema(
    summary="The active category taxonomy (for a report form)",
    parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=CategoryKind.values,
                                 description="only component, event or request categories")]))
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every active category in code order (a parent before its children); `parent` gives the tree."""

    serializer_class = s.CategorySerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        queryset = (Category.objects.filter(is_active=True).select_related("parent")
                    .order_by("kind", "code"))
        kind = self.request.query_params.get("kind")
        return queryset.filter(kind=kind) if kind else queryset
