//! End-to-end: the documents family of tools against the fake.
