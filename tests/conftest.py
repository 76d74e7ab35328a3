"""Shared pytest configuration.  Kafka fixtures live in kafka_fixtures.py (session-scoped broker)."""

from kafka_fixtures import *  # noqa: F401,F403  (fixtures: kafka_bootstrap, kafka_topic, ...)
