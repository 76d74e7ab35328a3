"""Streaming fraud detector for telephone call-detail records (CDRs).

The package is a pure core (records, features, stages, model, alert policy) wrapped by thin adapters
(files for ``replay``, Kafka/faust for ``worker``, Prometheus for metrics).  The core imports none of the
adapters, so the same code gives the same alerts in a replay and in the workers.
"""

__version__ = "0.1.0"
