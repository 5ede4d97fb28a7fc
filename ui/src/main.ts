import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { applyTheme } from './lib/store.svelte';

// The desktop's light/dark choice until the settings (which may override it) arrive.
applyTheme('system');

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element');

export default mount(App, { target });
