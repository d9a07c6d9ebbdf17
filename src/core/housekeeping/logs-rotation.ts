import { coreSchemas } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import type { TriggerFactory } from '../triggers/trigger.js';

/** After every run, keeps the build logs of the `[logs-rotation] keep_last_logs` newest builds of each package. */
export const logsRotationTrigger: TriggerFactory = {
  name: 'logs-rotation',
  create({ configuration, state }) {
    const { keep_last_logs: keepLast } = readSection(configuration, 'logs-rotation', coreSchemas['logs-rotation']);
    return {
      name: 'logs-rotation',
      async onResult() {
        await state.logs.logsRotate(keepLast);
      },
    };
  },
};
