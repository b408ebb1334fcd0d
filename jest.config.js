/** Unit tests: beside the code as *.spec.ts (the app's, the simulator's, the chaos checker's), no external services. */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/simulator', '<rootDir>/chaos'],
  testRegex: '.*\\.spec\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
};
