"""The registry API: read-only, scoped, masked lists and records of the base data, an audited reveal and an exact
look-up by identity number.

    GET  /api/registry/people/            ?name= &name_match= &id_tail= &address= &tag= &residence_type=
                                          &permit_before= &region= &house=     (the filters of the search page)
    GET  /api/registry/people/{id}/
    POST /api/registry/people/{id}/reveal/  {field, reason}  -> {field, value}   audited; 400/403/404/429
    POST /api/registry/people/lookup/       {id_number}      -> {results: [0 or 1 person]}
    GET  /api/registry/houses/ ...  /organisations/ ...  /components/ ...  (and {id}/)

Thin by design: the filtersets are the pages' (civicgrid.registry.filters), every queryset the selectors' (the
caller's scope; a record outside it is 404), the reveal is registry.services.reveal. Only the roles of
policy.VIEW_ROLES (and superusers) get in; the others get 403. A whole identity number is never a query parameter:
GET ...?id_number= answers 400 and points to the look-up.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from civicgrid.cases.api.errors import validation_body
from civicgrid.cases.pagination import COUNT_CAP, CappedCountPaginator
from civicgrid.core.signals import client_address
from civicgrid.registry import policy, selectors, services
from civicgrid.registry.api import serializers as s
from civicgrid.registry.filters import ComponentFilter, HouseFilter, OrganisationFilter, PersonFilter
from civicgrid.registry.limits import reveal_allowed
from civicgrid.registry.models import Component, House, Organisation, Person
from civicgrid.registry.services import RegistryInputError, check_id_number

ERRORS = {
    400: OpenApiResponse(s.RegistryFieldErrorSerializer, description="bad input: names the field"),
    403: OpenApiResponse(s.RegistryErrorSerializer, description="not signed in, or this role may not do this"),
    404: OpenApiResponse(s.RegistryErrorSerializer, description="no such record within the caller's scope"),
    429: OpenApiResponse(s.RegistryErrorSerializer, description="too many reveals in a short time"),
}


def registry_exception_handler(exc, context):
    """The services' input errors and DRF's validation errors as {"field", "detail"} (as the cases API answers)."""
    if isinstance(exc, RegistryInputError):
        return Response({"field": exc.field, "detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValidationError):
        return Response(validation_body(exc.detail), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


class CanViewRegistry(permissions.BasePermission):
    message = "this role may not browse the base data"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or user.role in policy.VIEW_ROLES))


class RegistryPagination(PageNumberPagination):
    """Pages of 50 (up to 200), counted up to COUNT_CAP: an exact count of a million people is never taken."""

    django_paginator_class = CappedCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_is_capped"] = self.page.paginator.count_is_capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_capped"] = {"type": "boolean",
                                                   "description": f"more than {COUNT_CAP} records match"}
        return schema


class RegistryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read-only, scoped: `scoped(user)` gives the list, `one(user, pk)` a record (404 outside the scope)."""

    permission_classes = [permissions.IsAuthenticated, CanViewRegistry]
    pagination_class = RegistryPagination
    lookup_value_regex = "[0-9]+"

    def get_exception_handler(self):
        return registry_exception_handler

    def scoped(self, user):
        raise NotImplementedError

    def one(self, user, pk):
        raise NotImplementedError

    def present(self, rows):
        return list(rows)

    def get_queryset(self):
        return self.scoped(self.request.user)

    def get_object(self):
        return self.one(self.request.user, self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.present(self.paginate_queryset(queryset))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        record = self.present([self.get_object()])[0]
        return Response(self.get_serializer(record).data)


# ------------------------------------------------------------------------------------------------------- people


@extend_schema_view(
    list=extend_schema(summary="People within the caller's scope (masked)",
                       responses={200: s.PersonSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]}),
    retrieve=extend_schema(summary="One person (masked), with their moves",
                           responses={200: s.PersonDetailSerializer, 403: ERRORS[403], 404: ERRORS[404]}),
)
class PersonViewSet(RegistryViewSet):
    """实有人口: masked for every role; the clear identity number or phone only through `reveal`."""

    queryset = Person.objects.none()  # for the schema; requests use the caller's scope
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter

    def scoped(self, user):
        return selectors.person_list(user)

    def one(self, user, pk):
        return selectors.get_person(user, pk)

    def present(self, rows):
        return selectors.present(rows, self.request.user)

    def get_serializer_class(self):
        return {"retrieve": s.PersonDetailSerializer, "reveal": s.RevealSerializer,
                "lookup": s.LookupSerializer}.get(self.action, s.PersonSerializer)

    def list(self, request, *args, **kwargs):
        if "id_number" in request.query_params:
            raise RegistryInputError("id_number", _("a whole identity number is never sent in a URL: POST it to "
                                                    "/api/registry/people/lookup/"))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        person = self.present([self.get_object()])[0]
        context = {**self.get_serializer_context(), "full_names": selectors.sees_full_names(request.user),
                   "moves": selectors.moves_of(person)}
        return Response(s.PersonDetailSerializer(person, context=context).data)

    @extend_schema(summary="Show one personal field in the clear (audited, with a reason)",
                   request=s.RevealSerializer,
                   responses={200: s.RevealedSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        person = self.get_object()  # 404 outside the scope
        user = request.user
        if not policy.can(user, policy.REVEAL_ROLES):
            raise PermissionDenied(_("Your role may not see personal data in the clear."))
        body = s.RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not reveal_allowed(user):
            raise Throttled(detail=_("Too many reveals in a short time. Please try again later."))
        field = body.validated_data["field"]
        value = services.reveal(person, field, actor=user, reason=body.validated_data["reason"],
                                ip_address=client_address(request))
        return Response({"field": field, "value": value})

    @extend_schema(summary="Find a person by a whole identity number (sent in the body, never in a URL)",
                   request=s.LookupSerializer,
                   responses={200: s.LookupResultSerializer, 400: ERRORS[400], 403: ERRORS[403]})
    @action(detail=False, methods=["post"])
    def lookup(self, request):
        body = s.LookupSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            number = check_id_number(body.validated_data["id_number"])[0]
        except RegistryInputError:  # its message repeats the number: say it without
            raise RegistryInputError("id_number", _("not a valid identity number (18 characters, with a correct "
                                                    "check digit)")) from None
        person = selectors.find_person(request.user, number)
        rows = self.present([person]) if person else []
        return Response({"results": s.PersonSerializer(rows, many=True).data})


# ------------------------------------------------------------------------------------------- houses and others


@extend_schema_view(
    list=extend_schema(summary="Houses within the caller's scope",
                       responses={200: s.HouseSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]}),
    retrieve=extend_schema(summary="One house", responses={200: s.HouseSerializer, 403: ERRORS[403],
                                                          404: ERRORS[404]}),
)
class HouseViewSet(RegistryViewSet):
    """实有房屋."""

    queryset = House.objects.none()
    serializer_class = s.HouseSerializer
    filterset_class = HouseFilter

    def scoped(self, user):
        return selectors.house_list(user)

    def one(self, user, pk):
        return selectors.get_house(user, pk)


@extend_schema_view(
    list=extend_schema(summary="Organisations within the caller's scope (contact phones masked)",
                       responses={200: s.OrganisationSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]}),
    retrieve=extend_schema(summary="One organisation", responses={200: s.OrganisationSerializer, 403: ERRORS[403],
                                                                 404: ERRORS[404]}),
)
class OrganisationViewSet(RegistryViewSet):
    """实有单位."""

    queryset = Organisation.objects.none()
    serializer_class = s.OrganisationSerializer
    filterset_class = OrganisationFilter

    def scoped(self, user):
        return selectors.organisation_list(user)

    def one(self, user, pk):
        return selectors.get_organisation(user, pk)

    def present(self, rows):
        return selectors.present_organisations(rows)


@extend_schema_view(
    list=extend_schema(summary="City components within the caller's scope",
                       responses={200: s.ComponentSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]}),
    retrieve=extend_schema(summary="One city component", responses={200: s.ComponentSerializer, 403: ERRORS[403],
                                                                   404: ERRORS[404]}),
)
class ComponentViewSet(RegistryViewSet):
    """城市部件."""

    queryset = Component.objects.none()
    serializer_class = s.ComponentSerializer
    filterset_class = ComponentFilter

    def scoped(self, user):
        return selectors.component_list(user)

    def one(self, user, pk):
        return selectors.get_component(user, pk)
