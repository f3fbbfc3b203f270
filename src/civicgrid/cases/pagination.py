"""Pagination for case lists that stays cheap at a million cases.

An exact COUNT(*) of a broad filter ("all open cases") reads every matching row; at a million cases it costs far
more than the page itself. The queue counts at most CAP matching rows (`SELECT COUNT(*) FROM (… LIMIT CAP+1)`),
shows "1,000+" beyond that, and pages within the first CAP rows; a dispatcher narrows the filter to go further.
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination

COUNT_CAP = 1_000


class CappedCountPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # only ids, no joins, no ORDER BY: the count is read off an index where the filter allows it
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap


class CasePagination(PageNumberPagination):
    """The API's case list: pages of 50 (up to 200), counted up to COUNT_CAP."""

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
                                                   "description": f"more than {COUNT_CAP} cases match"}
        return schema
