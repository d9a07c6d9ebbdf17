/**
 * Imported for its effect by every module that parses with zod: zod/mini (the functional build, which the bundle
 * can trim to the parts used) has no messages of its own, so its issues would all say "Invalid input". The English
 * messages say what was expected and what came ("Invalid input: expected string, received number").
 */
import { config } from 'zod/mini';
import english from 'zod/v4/locales/en.js';

config(english());
