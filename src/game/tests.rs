//! Pure tests of the engine, with explicit time.
