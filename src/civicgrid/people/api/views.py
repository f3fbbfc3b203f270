from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.people.scoping import scope_of


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    scope = serializers.ListField(child=serializers.CharField(), help_text="codes of the region subtrees in scope")
    unrestricted = serializers.BooleanField()


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        scope = scope_of(user)
        data = {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "department": user.department.code if user.department_id else None,
            "scope": [p.rstrip(".").rsplit(".", 1)[-1] for p in scope.paths],
            "unrestricted": scope.unrestricted,
        }
        return Response(MeSerializer(data).data)
