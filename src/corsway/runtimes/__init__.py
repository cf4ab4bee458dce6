"""Function runtimes: warm worker processes that run a service's handlers like Lambda does."""
