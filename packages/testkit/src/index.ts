/** @kaoqin/testkit: filled in by the package-roles work (issue 18). */
export {};
