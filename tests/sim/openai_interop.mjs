// Runs the official openai npm SDK against a simulated provider.
// Usage: node openai_interop.mjs BASE_URL NODE_MODULES_DIR
// Prints a JSON summary on success; exits 1 with a message on any mismatch.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [baseURL, nodeModules] = process.argv.slice(2);
if (!baseURL || !nodeModules) {
  console.error('usage: node openai_interop.mjs BASE_URL NODE_MODULES_DIR');
  process.exit(2);
}
const { default: OpenAI } = await import(
  pathToFileURL(join(nodeModules, 'openai', 'index.mjs')).href);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The simulator ignores the key; the test checks it is never logged.
const client = new OpenAI({ baseURL, apiKey: 'sk-interop-never-logged-4d2f', maxRetries: 0,
                            timeout: 20000 });

const question = 'Koplik spots on the buccal mucosa are pathognomonic of which viral infection?';
const answer = await client.chat.completions.create({
  model: 'sim-remote',
  n: 2,
  max_tokens: 64,
  messages: [
    { role: 'system', content: 'You are a medical expert.' },
    { role: 'user', content: `Question: ${question}\nA) Measles\nB) Mumps\nC) Rubella\n` +
                             'D) Varicella\nAnswer with the letter of the correct option.' },
  ],
});
check(answer.object === 'chat.completion', `object: ${answer.object}`);
check(answer.choices.length === 2, `choices: ${answer.choices.length}`);
for (const choice of answer.choices) {
  check(typeof choice.message.content === 'string' && choice.message.content.length > 0,
        'empty answer');
}
check(answer.usage.total_tokens === answer.usage.prompt_tokens + answer.usage.completion_tokens,
      'usage does not add up');

const cot = await client.chat.completions.create({
  model: 'sim-remote',
  messages: [{ role: 'user', content: `Think step by step: ${question}` }],
});
check(cot.choices[0].message.content.length > 50, 'chain of thought too short');

// The SDK asks for base64 unless told otherwise, and decodes it.
const embedded = await client.embeddings.create({ model: 'sim-local', input: ['chest pain', question] });
check(embedded.data.length === 2, `embeddings: ${embedded.data.length}`);
const vector = embedded.data[1].embedding;
check(vector.length === 256, `dimensions: ${vector.length}`);
const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0));
check(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
const floats = await client.embeddings.create({ model: 'sim-local', input: question,
                                                encoding_format: 'float' });
check(floats.data[0].embedding.every((x, i) => Math.abs(x - vector[i]) < 1e-6),
      'base64 and float encodings differ');

const models = [];
for await (const model of client.models.list()) models.push(model.id);
check(models.includes('sim-local') && models.includes('sim-remote'), `models: ${models}`);

let notFound = false;
try {
  await client.chat.completions.create({ model: 'no-such-model',
                                         messages: [{ role: 'user', content: 'hi' }] });
} catch (error) {
  notFound = error instanceof OpenAI.NotFoundError && error.status === 404;
}
check(notFound, 'an unknown model did not raise NotFoundError');

console.log(JSON.stringify({ answers: answer.choices.map((c) => c.message.content),
                             models, dims: vector.length }));
