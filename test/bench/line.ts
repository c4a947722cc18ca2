/** One figure of `npm run bench`: label, value, and the target it is held to. */
export function line(label: string, value: string, target = ''): void {
  console.log(`${label.padEnd(56)} ${value.padStart(16)}   ${target}`);
}
