"""Render jobs: a campaign's letters or labels queued, drawn to PDF by the render worker, and downloaded."""
