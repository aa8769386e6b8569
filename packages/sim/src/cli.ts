/** @kaoqin/sim: the simulator moves here from @kaoqin/device (issue 18). */
export {};
