"""Database access: settings, connections, deployment and the local cluster."""
