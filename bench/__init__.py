"""Benchmarks of Négoce: a realistic 1,000,000-client account and the client list through the gateway.

Run ``python -m bench`` (generate if needed, then measure), ``python -m bench generate`` or
``python -m bench list``; see bench/__main__.py for the options.
"""
