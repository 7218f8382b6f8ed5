"""Small pools of realistic strings; Faker fills some, seeded from (seed, pool name) only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

from wedsync_analytics.generate.rng import stream_key

SERVICES = (
    "api-gateway",
    "auth-service",
    "booking-service",
    "payment-service",
    "messaging-service",
    "calendar-service",
    "media-service",
    "search-service",
    "notification-service",
    "forms-service",
)
# relative traffic per service (same order as SERVICES)
SERVICE_WEIGHTS = (20, 8, 14, 6, 12, 10, 9, 8, 7, 6)

ENDPOINTS = (
    ("api-gateway", "/api/v1/health"),
    ("api-gateway", "/api/v1/session"),
    ("auth-service", "/api/v1/auth/login"),
    ("auth-service", "/api/v1/auth/refresh"),
    ("booking-service", "/api/v1/bookings"),
    ("booking-service", "/api/v1/bookings/{id}"),
    ("booking-service", "/api/v1/weddings/{id}/timeline"),
    ("payment-service", "/api/v1/payments/intent"),
    ("payment-service", "/api/v1/invoices"),
    ("messaging-service", "/api/v1/messages"),
    ("messaging-service", "/api/v1/threads/{id}"),
    ("calendar-service", "/api/v1/calendar/events"),
    ("calendar-service", "/api/v1/availability"),
    ("media-service", "/api/v1/photos/upload"),
    ("media-service", "/api/v1/galleries/{id}"),
    ("search-service", "/api/v1/suppliers/search"),
    ("search-service", "/api/v1/venues/search"),
    ("notification-service", "/api/v1/notifications"),
    ("forms-service", "/api/v1/forms/{id}"),
    ("forms-service", "/api/v1/forms/{id}/responses"),
)
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

PAGES = (
    "/dashboard",
    "/clients",
    "/clients/{id}",
    "/weddings/{id}/timeline",
    "/forms/builder",
    "/messages",
    "/calendar",
    "/invoices",
    "/gallery/{id}",
    "/onboarding",
    "/settings/billing",
    "/wedme/plan",
    "/wedme/suppliers",
    "/wedme/guests",
    "/wedme/budget",
    "/pricing",
)

ERROR_KINDS = (
    # (error_type, service, message template, typical severity index 0..4)
    ("TimeoutError", "booking-service", "upstream timeout after {n} ms calling availability", 2),
    ("DatabaseError", "booking-service", "could not obtain connection from pool after {n} ms", 3),
    ("PaymentDeclined", "payment-service", "card declined: insufficient_funds (attempt {n})", 1),
    ("StripeAPIError", "payment-service", "stripe api returned 502 for intent {n}", 3),
    ("ValidationError", "forms-service", "field {n} failed validation: required", 0),
    ("RateLimitError", "api-gateway", "rate limit exceeded: {n} requests per minute", 1),
    ("AuthError", "auth-service", "refresh token expired for session {n}", 0),
    ("S3UploadError", "media-service", "upload of part {n} failed: SlowDown", 2),
    ("TwilioError", "messaging-service", "sms delivery failed with code {n}", 2),
    ("CalendarSyncError", "calendar-service", "google calendar sync failed: 503 after {n} ms", 2),
    ("SearchIndexError", "search-service", "elasticsearch shard {n} unavailable", 3),
    ("NullReferenceError", "forms-service", "cannot read property 'id' of undefined (line {n})", 1),
    ("QueueBacklog", "notification-service", "notification queue backlog {n} messages", 2),
    ("OOMKilled", "media-service", "worker killed: memory limit {n} MiB exceeded", 3),
)

FEATURES = (
    "client_list",
    "timeline_builder",
    "form_builder",
    "photo_gallery",
    "invoicing",
    "messaging",
    "calendar_sync",
    "guest_list",
    "budget_tracker",
    "supplier_search",
    "contract_esign",
    "seating_chart",
    "ai_assistant",
    "mobile_app",
    "journey_automation",
)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/138.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/138.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/137.0.0.0 Mobile Safari/537.36",
)
# device of each user agent above: 0 desktop, 1 tablet, 2 mobile
USER_AGENT_DEVICE = (0, 0, 2, 2, 1, 0, 2)

SUPPLIER_KINDS = (
    "Photography",
    "Florals",
    "Catering",
    "Venue",
    "Videography",
    "Music",
    "Planning",
    "Cakes",
    "Hair & Makeup",
    "Stationery",
)


@dataclass(frozen=True)
class FakerPools:
    """Faker-built pools for one (seed, market)."""

    person_names: tuple[str, ...]
    company_names: tuple[str, ...]
    emails_local: tuple[str, ...]
    ips: tuple[str, ...]
    sentences: tuple[str, ...]
    first_names: tuple[str, ...]


@lru_cache(maxsize=16)
def faker_pools(seed: int, market: str, size: int = 256) -> FakerPools:
    """Pools built once per (seed, market); each pool from its own seeded Faker."""
    locale = "en_GB" if market == "uk" else "en_US"

    def fake(name: str) -> Faker:
        f = Faker(locale)
        f.seed_instance(stream_key(seed, "pools", name))
        return f

    f = fake("person")
    people = tuple(f.name() for _ in range(size))
    f = fake("company")
    companies = tuple(f.last_name() for _ in range(size))
    f = fake("email")
    emails = tuple(f.user_name() for _ in range(size))
    f = fake("ip")
    ips = tuple(f.ipv4_public() for _ in range(size))
    f = fake("sentence")
    sentences = tuple(f.sentence(nb_words=10) for _ in range(64))
    f = fake("first")
    firsts = tuple(f.first_name() for _ in range(size))
    return FakerPools(people, companies, emails, ips, sentences, firsts)
