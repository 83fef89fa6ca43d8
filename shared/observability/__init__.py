"""Operating the processes: Prometheus metrics, OpenTelemetry traces (logs are shared/logging.py)."""
