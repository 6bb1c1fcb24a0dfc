"""Generated gRPC stubs of the parayok.v1 API (make proto)."""
