"""Development and trial tooling, apart from what a server deployment runs: the local PostgreSQL
cluster under .wdh/ that `db init`, `db start`, `db stop` and the quickstart use (root handling,
ports, restarts after a binaries upgrade). A company's server never runs this code."""
