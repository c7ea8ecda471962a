/** PDF user space is in points (1/72 inch); layouts are specified in millimetres. */
export const PT_PER_MM = 72 / 25.4;

export const mm = (v: number): number => v * PT_PER_MM;

/**
 * Coordinates are written with two decimals (1/7200 inch, far below a printer dot): shorter content
 * streams, and the same number wherever a layout value is reused (page height and painting).
 */
export const round2 = (v: number): number => Math.round(v * 100) / 100;
