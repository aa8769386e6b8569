/** §1.2 photo checks: filled in by issue 18's shared-photo work. */
export {};
