"""The benchmark suite against peer profilers: data generation (``data``), peer environments
(``envs``), one tool run per process (``worker``, ``runner``), what each suite runs (``suites``),
exact values and accuracy (``exact``), the orchestration (``run``) and the page (``report``)."""
