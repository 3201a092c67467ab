// Environment of the full-size runner (see jest.config.js); explicit values win.
process.env.LOAD_SCALE = process.env.LOAD_SCALE || 'full';
process.env.FUZZ_RUNS = process.env.FUZZ_RUNS || '2000';
