"""Viewpoints: platform-wide (service_role), and a member of the largest and of the smallest
tenant through row-level security (`SET ROLE authenticated` + `request.jwt.claims`, as the
Supabase API does). Tenant size = rows in performance_metrics."""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class Viewpoint:
    """Who runs the query: a database role and, for tenants, a user and their organization."""

    name: str
    role: str
    user_id: str | None = None
    organization_id: str | None = None
    tenant_rows: int | None = None

    def enter(self, conn: psycopg.Connection) -> None:
        """Make the session act as this viewpoint (session-level, until the connection ends)."""
        if self.user_id is not None:
            claims = {"sub": self.user_id, "role": self.role}
            conn.execute(
                "SELECT set_config('request.jwt.claims', %s, false)", (json.dumps(claims),)
            )
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self.role)))

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "organization_id": self.organization_id,
            "tenant_performance_metrics_rows": self.tenant_rows,
        }


_TENANTS = """
SELECT m.organization_id::text, m.n,
       (SELECT p.user_id::text FROM public.user_profiles AS p
         WHERE p.organization_id = m.organization_id AND p.is_active
         ORDER BY p.app_role = 'admin' DESC, p.user_id LIMIT 1)
FROM (SELECT organization_id, count(*) AS n FROM public.performance_metrics
      GROUP BY organization_id) AS m
WHERE EXISTS (SELECT 1 FROM public.user_profiles AS p
              WHERE p.organization_id = m.organization_id AND p.is_active)
ORDER BY m.n {direction}, m.organization_id
LIMIT 1
"""


def choose_viewpoints(conn: psycopg.Connection) -> list[Viewpoint]:
    """Platform, largest tenant, smallest tenant (each with an active member, admin first)."""
    found = [Viewpoint("platform", "service_role")]
    for label, direction in (("large_tenant", "DESC"), ("small_tenant", "ASC")):
        row = conn.execute(_TENANTS.format(direction=direction)).fetchone()
        if row is not None:
            found.append(Viewpoint(label, "authenticated", row[2], row[0], int(row[1])))
    return found
