import { coreSchemas } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import type { TriggerFactory } from '../triggers/trigger.js';

/**
 * After every run, keeps the build logs of the `[logs-rotation] keep_last_logs` newest builds of each package (or of
 * the reference's legacy `[settings] keep_last_logs`, when only that is set).
 */
export const logsRotationTrigger: TriggerFactory = {
  name: 'logs-rotation',
  create({ configuration, state }) {
    const { keep_last_logs: configured } = readSection(configuration, 'logs-rotation', coreSchemas['logs-rotation']);
    const legacy = configuration.has('logs-rotation', 'keep_last_logs') ? undefined : configuration.getInt('settings', 'keep_last_logs', undefined);
    const keepLast = legacy ?? configured;
    return {
      name: 'logs-rotation',
      async onResult() {
        await state.logs.logsRotate(keepLast);
      },
    };
  },
};
