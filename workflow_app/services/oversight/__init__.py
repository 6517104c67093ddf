"""Oversight: alerts and their lifecycle (`alerts`), the supervisors' dashboard, the discretion
benchmarks register (`benchmarks`)."""
