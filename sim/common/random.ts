/** A standard normal draw (Box–Muller) from a uniform source: the lognormal service times use it. */
export function standardNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
