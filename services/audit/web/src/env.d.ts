// Vite bundles imported stylesheets into web/build/dashboard.css.
declare module '*.css';
