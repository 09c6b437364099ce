"""Runtime detection: a rules engine that speaks Falco's rule language, with event sources and alert outputs."""
