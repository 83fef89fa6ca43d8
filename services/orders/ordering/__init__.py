"""An order's life and document: create, read, confirm, cancel; numbers and states."""
