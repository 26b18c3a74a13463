"""Job records, state transitions and the worker that runs them."""
