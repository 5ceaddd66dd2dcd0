"""Sales rules, one module per area; UI, API, tasks and demo data all call these."""
