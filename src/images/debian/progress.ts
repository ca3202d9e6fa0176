// How far mmdebstrap is, from what it prints: its "I: ..." steps, and while
// it installs, apt's "N newly installed" and one "Setting up" per package.

const STEPS: [RegExp, number, string][] = [
  [/running apt-get update/, 0.02, 'apt-get update'],
  [/downloading packages/, 0.05, 'downloading packages'],
  [/extracting archives/, 0.2, 'extracting the essential packages'],
  [/installing essential packages/, 0.25, 'installing the essential packages'],
  [/installing remaining packages/, 0.4, 'installing packages'],
  [/cleaning package lists/, 0.97, 'cleaning up'],
  [/success in/, 1, 'packages installed'],
];

export class MmdebstrapProgress {
  private buffer = '';
  private at = 0;
  private step = 'starting mmdebstrap';
  private installing = false;
  private total = 0;
  private done = 0;

  constructor(private report: (fraction: number, step: string) => void) {}

  feed(chunk: string): void {
    this.buffer += chunk;
    let nl = this.buffer.indexOf('\n');
    while (nl >= 0) {
      this.line(this.buffer.slice(0, nl));
      this.buffer = this.buffer.slice(nl + 1);
      nl = this.buffer.indexOf('\n');
    }
  }

  private line(line: string): void {
    for (const [re, at, step] of STEPS) {
      if (!re.test(line)) continue;
      this.installing = step === 'installing packages';
      this.total = 0;
      this.done = 0;
      this.set(at, step);
      return;
    }
    if (!this.installing) return;
    const n = /^(\d+) upgraded, (\d+) newly installed/.exec(line);
    if (n) this.total = Number(n[2]);
    if (/^Setting up /.test(line) && this.total) {
      this.done++;
      this.set(0.4 + 0.57 * Math.min(1, this.done / this.total), `installing packages (${this.done}/${this.total})`);
    }
  }

  private set(at: number, step: string): void {
    this.at = Math.max(this.at, at);
    this.step = step;
    this.report(this.at, this.step);
  }
}
