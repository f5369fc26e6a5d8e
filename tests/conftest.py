"""Test-wide settings."""

from hypothesis import HealthCheck, settings

# CI machines are shared and slow at times: property tests are judged on results, never on time.
settings.register_profile("tensorweave", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tensorweave")
