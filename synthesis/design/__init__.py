"""Single-arm and randomized phase II trial design (Simon, A'Hern, one-sample log-rank, CPH)."""
