"""The product's activation funnels, one per user kind, stated once.

The generator emits these steps (`business_events.funnel_step`) and the funnel analyses
default to them. Step 1 names differ between funnels, so a user's kind is known from
the first step alone and couples never enter a supplier cohort.
"""

from __future__ import annotations

FUNNELS: dict[str, tuple[str, ...]] = {
    "supplier": (
        "supplier_signup",
        "onboarding_completed",
        "first_client_added",
        "subscription_started",
    ),
    "couple": (
        "couple_signup",
        "wedding_details_added",
        "first_supplier_connected",
        "guest_list_created",
    ),
}
