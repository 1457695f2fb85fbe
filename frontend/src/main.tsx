import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadConfig } from './api/config';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <main className="boot-error" role="alert">
        <h1>Alert Whisperer cannot start</h1>
        <p>The dashboard could not read its configuration: {(error as Error).message}.</p>
        <p>Check that the stack is deployed (or that `npm start` runs) and reload.</p>
      </main>,
    ),
);
